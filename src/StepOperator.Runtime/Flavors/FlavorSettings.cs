using System;
using System.Collections.Generic;
using System.Linq;
using StepOperator.Components;
using StepOperator.Rules;

namespace StepOperator.Flavors;

/// <summary>
/// The settings each flavor reads (those of its own, then the step defaults it honours), so registration can
/// refuse a setting the flavor would silently ignore, say which it takes, and check each value.
/// </summary>
internal static class FlavorSettings
{
    /// <summary>Every setting a component of this type and flavor takes, as stored ("TokenId", "Timeout"); none for a flavor this program does not have.</summary>
    public static IReadOnlyList<string> Of(ComponentType type, string flavor) =>
        OwnSettings(type, flavor).Select(setting => setting.Name).Concat(StepDefaultsOf(type, flavor)).ToList();

    /// <summary>The settings of <paramref name="component"/> its flavor does not take, with the nearest it does take, and what it takes; null when it takes them all.</summary>
    public static string? Unknown(ComponentDefinition component)
    {
        var accepted = Of(component.Type, component.Flavor);
        var unknown = component.Settings.Keys
            .Where(key => !accepted.Contains(key, StringComparer.OrdinalIgnoreCase))
            .OrderBy(key => key, StringComparer.Ordinal)
            .ToList();
        if (unknown.Count == 0)
        {
            return null;
        }

        var defaults = StepDefaultsOf(component.Type, component.Flavor);
        var own = OwnSettings(component.Type, component.Flavor);
        var takes = own.Count == 0 ? "no settings of its own" : string.Join(", ", own.Select(setting => setting.OptionName));
        var stepDefaults = defaults.Count == 0 ? string.Empty : $"; defaults for its steps: {string.Join(", ", defaults.Select(ComponentDefinition.ToOptionName))}";
        var nearest = unknown
            .Select(key => (Key: key, Nearest: NearestName.Of(key, accepted, name => name.ToLowerInvariant().Replace("_", string.Empty, StringComparison.Ordinal))))
            .Where(pair => pair.Nearest is not null)
            .Select(pair => unknown.Count == 1
                ? $"--{ComponentDefinition.ToOptionName(pair.Nearest!)}"
                : $"--{ComponentDefinition.ToOptionName(pair.Nearest!)} for --{ComponentDefinition.ToOptionName(pair.Key)}")
            .ToList();
        var didYouMean = nearest.Count == 0 ? string.Empty : $" Did you mean {string.Join(", ", nearest)}?";
        return $"{string.Join(", ", unknown.Select(key => "--" + ComponentDefinition.ToOptionName(key)))}: not {(unknown.Count == 1 ? "a setting" : "settings")} that " +
            $"{component.Type.CommandName()} flavor '{component.Flavor}' can use. It takes: {takes}{stepDefaults}.{didYouMean}";
    }

    /// <summary>The required settings <paramref name="component"/> does not have, each with the option that gives it.</summary>
    public static IEnumerable<string> MissingRequired(ComponentDefinition component) =>
        OwnSettings(component.Type, component.Flavor)
            .Where(setting => setting.Required && !component.Settings.Keys.Contains(setting.Name, StringComparer.OrdinalIgnoreCase))
            .Select(setting => $"{component.Describe()} needs --{setting.OptionName}={setting.Example} ({setting.Description})");

    /// <summary>The stored values of <paramref name="component"/> that cannot be what their setting needs, each with its fix.</summary>
    public static IEnumerable<string> InvalidValues(ComponentDefinition component, Func<string, string?> stored) =>
        OwnSettings(component.Type, component.Flavor)
            .Where(setting => setting.Check is not null)
            .Select(setting => (Setting: setting, Value: stored(setting.Name)))
            .Where(pair => pair.Value is not null && pair.Setting.Check!(pair.Value) is not null)
            .Select(pair => $"{component.Describe()} setting '{pair.Setting.OptionName}' is '{pair.Value}', which {pair.Setting.Check!(pair.Value!)}. " +
                $"Give --{pair.Setting.OptionName}={pair.Setting.Example}");

    /// <summary>The step settings a component of this flavor can give its steps as defaults.</summary>
    private static IReadOnlyList<string> StepDefaultsOf(ComponentType type, string flavor) =>
        FlavorCatalog.Find(type, flavor) is StepOperatorFlavor runsSteps ? runsSteps.StepDefaults : Array.Empty<string>();

    private static IReadOnlyList<FlavorSetting> OwnSettings(ComponentType type, string flavor) =>
        FlavorCatalog.Find(type, flavor)?.Settings ?? Array.Empty<FlavorSetting>();
}
