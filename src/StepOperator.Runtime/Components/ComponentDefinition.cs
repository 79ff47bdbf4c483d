using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace StepOperator.Components;

/// <summary>
/// A registered stack component: a name, a type, a flavor and the flavor's settings. Settings whose
/// names say they are secrets (tokens, passwords, keys) are masked whenever they are shown.
/// </summary>
public sealed record ComponentDefinition(string Name, ComponentType Type, string Flavor, IReadOnlyDictionary<string, string> Settings)
{
    internal const string Masked = "********";

    private static readonly Regex SecretName = new("(secret|password|token|accountkey|accesskey)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>True for settings that hold credentials.</summary>
    internal static bool IsSecret(string setting) => SecretName.IsMatch(setting);

    /// <summary>A setting's value, with <c>env:NAME</c> read from the environment; null when not set.</summary>
    public string? Get(string setting)
    {
        var value = Settings.FirstOrDefault(pair => string.Equals(pair.Key, setting, StringComparison.OrdinalIgnoreCase)).Value;
        if (value is null || !value.StartsWith("env:", StringComparison.Ordinal))
        {
            return string.IsNullOrEmpty(value) ? null : value;
        }

        var variable = value["env:".Length..];
        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } resolved
            ? resolved
            : throw new StackConfigurationException(
                $"{Describe()} setting '{setting}' refers to environment variable {variable}, which is not set. Set it, or register the value itself.");
    }

    /// <summary>A setting that must be present.</summary>
    public string Require(string setting) => Get(setting) ?? throw new StackConfigurationException(
        $"{Describe()} has no '{setting}'. Set it: {Type.CommandName()} update {Name} --{ToOptionName(setting)}=...");

    /// <summary>A setting that holds a service's address: absent, or an absolute http or https URL.</summary>
    public Uri? Url(string setting) => Get(setting) is { } value
        ? ParseUrl(value) ?? throw new StackConfigurationException(UrlProblem(setting, value))
        : null;

    /// <summary>Why the stored <paramref name="value"/> cannot be <paramref name="setting"/>, with the command that fixes it.</summary>
    private string UrlProblem(string setting, string value) =>
        $"{Describe()} setting '{ToOptionName(setting)}' is '{value}', which is not an http or https address. " +
        $"Fix: dotnet run -- {Type.CommandName()} update {Name} --{ToOptionName(setting)}=https://host[:port]";

    internal static Uri? ParseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) ? url : null;

    /// <summary>The settings as shown to people: secrets masked.</summary>
    internal IEnumerable<KeyValuePair<string, string>> ShownSettings =>
        Settings.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => new KeyValuePair<string, string>(pair.Key,
                IsSecret(pair.Key) && !pair.Value.StartsWith("env:", StringComparison.Ordinal) ? Masked : pair.Value));

    public string Describe() => $"{Type.CommandName()} '{Name}' (flavor {Flavor})";

    /// <summary>"TokenSecret" → "token_secret", as ZenML's options are written.</summary>
    internal static string ToOptionName(string setting) =>
        Regex.Replace(setting, "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant();

    /// <summary>"token_secret" or "token-secret" → "TokenSecret".</summary>
    internal static string ToSettingName(string option) =>
        string.Concat(option.Split('_', '-').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    /// <summary>Never prints a secret.</summary>
    public override string ToString() =>
        $"{Describe()}: {string.Join(", ", ShownSettings.Select(pair => $"{pair.Key}={pair.Value}"))}";
}

/// <summary>A stack: one component of each type, by name (step operator, registry and image builder optional).</summary>
public sealed record StackDefinition(
    string Name,
    string Orchestrator,
    string ArtifactStore,
    string? StepOperator = null,
    string? ContainerRegistry = null,
    string? ImageBuilder = null)
{
    internal string? ComponentOf(ComponentType type) => type switch
    {
        ComponentType.Orchestrator => Orchestrator,
        ComponentType.ArtifactStore => ArtifactStore,
        ComponentType.StepOperator => StepOperator,
        ComponentType.ContainerRegistry => ContainerRegistry,
        _ => ImageBuilder,
    };

    internal StackDefinition With(ComponentType type, string? name) => type switch
    {
        ComponentType.Orchestrator => this with { Orchestrator = name ?? Orchestrator },
        ComponentType.ArtifactStore => this with { ArtifactStore = name ?? ArtifactStore },
        ComponentType.StepOperator => this with { StepOperator = name },
        ComponentType.ContainerRegistry => this with { ContainerRegistry = name },
        _ => this with { ImageBuilder = name },
    };
}

/// <summary>A stack or component configuration problem, with the command that fixes it.</summary>
public sealed class StackConfigurationException(string message) : Exception(message);
