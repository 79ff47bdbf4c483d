using System;
using System.Collections.Generic;
using System.Linq;

namespace StepOperator.Configuration;

/// <summary>
/// The settings each flavor reads (those of its own, then the step defaults it honours), so registration can
/// refuse a setting the flavor would silently ignore, and say which it takes.
/// </summary>
public static class FlavorSettings
{
    /// <summary>Every setting a component of this type and flavor takes, as stored ("TokenId", "Timeout").</summary>
    public static IReadOnlyList<string> Of(ComponentType type, string flavor) =>
        OwnSettings(type, flavor).Concat(StepDefaults.SettingsOf(type, flavor)).ToList();

    /// <summary>The settings of <paramref name="component"/> its flavor does not take, and what it takes; null when it takes them all.</summary>
    public static string? Unknown(ComponentDefinition component)
    {
        var accepted = Of(component.Type, component.Flavor);
        var unknown = component.Settings.Keys
            .Where(key => !accepted.Contains(key, StringComparer.OrdinalIgnoreCase))
            .OrderBy(key => key, StringComparer.Ordinal)
            .Select(key => "--" + ComponentDefinition.ToOptionName(key))
            .ToList();
        if (unknown.Count == 0)
        {
            return null;
        }

        var defaults = StepDefaults.SettingsOf(component.Type, component.Flavor);
        var own = OwnSettings(component.Type, component.Flavor);
        var takes = own.Count == 0 ? "no settings of its own" : string.Join(", ", own.Select(ComponentDefinition.ToOptionName));
        var stepDefaults = defaults.Count == 0 ? string.Empty : $"; defaults for its steps: {string.Join(", ", defaults.Select(ComponentDefinition.ToOptionName))}";
        return $"{string.Join(", ", unknown)}: not {(unknown.Count == 1 ? "a setting" : "settings")} that {component.Type.CommandName()} flavor '{component.Flavor}' can use. " +
            $"It takes: {takes}{stepDefaults}.";
    }

    /// <summary>Settings that hold a service's address (checked as URLs at registration and when a stack is made).</summary>
    public static IReadOnlyList<string> UrlSettings { get; } = new[] { "Endpoint", "ServerUrl" };

    /// <summary>The stored values of <paramref name="component"/> that cannot be what their setting needs, each with its fix.</summary>
    public static IEnumerable<string> InvalidValues(ComponentDefinition component, Func<string, string?> stored) =>
        UrlSettings
            .Select(setting => (Setting: setting, Value: stored(setting)))
            .Where(pair => pair.Value is not null && ComponentDefinition.ParseUrl(pair.Value) is null)
            .Select(pair => component.UrlProblem(pair.Setting, pair.Value!, saved: false));

    // What StackFactory reads of each flavor; a setting a flavor starts to read is added here.
    private static IReadOnlyList<string> OwnSettings(ComponentType type, string flavor) => (type, flavor) switch
    {
        (ComponentType.Orchestrator, "local") => new[] { "MaxParallelSteps", "Standby" },
        (ComponentType.Orchestrator, "docker") => new[] { "Gpus", "MaxParallelSteps" },
        (ComponentType.StepOperator, "local") => new[] { "Standby" },
        (ComponentType.StepOperator, "docker") => new[] { "Gpus" },
        (ComponentType.StepOperator, "modal") => new[] { "TokenId", "TokenSecret", "ServerUrl", "AppName" },
        (ComponentType.ArtifactStore, "local") => new[] { "Path" },
        (ComponentType.ArtifactStore, "s3") => new[] { "Bucket", "Prefix", "Endpoint", "Region", "PathStyle", "AccessKeyId", "SecretAccessKey" },
        (ComponentType.ArtifactStore, "azure") => new[] { "Container", "Prefix", "Endpoint", "AccountName", "AccountKey" },
        (ComponentType.ContainerRegistry, _) => new[] { "Server", "Namespace", "Username", "Password" },
        (ComponentType.ImageBuilder, _) => new[] { "BaseImage" },
        _ => Array.Empty<string>(),
    };
}
