using System;
using System.Collections.Generic;
using System.Linq;
using StepOperator.Flavors;
using StepOperator.Rules;

namespace StepOperator.Configuration;

/// <summary>
/// The settings each flavor reads (those of its own, then the step defaults it honours), so registration can
/// refuse a setting the flavor would silently ignore, say which it takes, and check each value.
/// </summary>
public static class FlavorSettings
{
    /// <summary>Every setting a component of this type and flavor takes, as stored ("TokenId", "Timeout"); none for a flavor this program does not have.</summary>
    public static IReadOnlyList<string> Of(ComponentType type, string flavor) =>
        OwnSettings(type, flavor).Select(setting => setting.Name).Concat(StepDefaults.SettingsOf(type, flavor)).ToList();

    /// <summary>The settings of <paramref name="component"/> its flavor does not take, with the nearest it does take, and what it takes; null when it takes them all.</summary>
    public static string? Unknown(ComponentDefinition component)
    {
        var accepted = Of(component.Type, component.Flavor);
        var unknown = component.Settings.Keys
            .Where(key => !accepted.Contains(key, StringComparer.OrdinalIgnoreCase))
            .OrderBy(key => key, StringComparer.Ordinal)
            .Select(key => "--" + ComponentDefinition.ToOptionName(key) + DidYouMean(key, accepted))
            .ToList();
        if (unknown.Count == 0)
        {
            return null;
        }

        var defaults = StepDefaults.SettingsOf(component.Type, component.Flavor);
        var own = OwnSettings(component.Type, component.Flavor);
        var takes = own.Count == 0 ? "no settings of its own" : string.Join(", ", own.Select(setting => setting.OptionName));
        var stepDefaults = defaults.Count == 0 ? string.Empty : $"; defaults for its steps: {string.Join(", ", defaults.Select(ComponentDefinition.ToOptionName))}";
        return $"{string.Join(", ", unknown)}: not {(unknown.Count == 1 ? "a setting" : "settings")} that {component.Type.CommandName()} flavor '{component.Flavor}' can use. " +
            $"It takes: {takes}{stepDefaults}.";
    }

    /// <summary>" (did you mean --endpoint?)" for a setting close to one the flavor takes; empty otherwise.</summary>
    private static string DidYouMean(string setting, IReadOnlyList<string> accepted) =>
        NearestName.Of(setting, accepted, name => name.ToLowerInvariant().Replace("_", string.Empty, StringComparison.Ordinal)) is { } nearest
            ? $" (did you mean --{ComponentDefinition.ToOptionName(nearest)}?)"
            : string.Empty;

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

    private static IReadOnlyList<FlavorSetting> OwnSettings(ComponentType type, string flavor) =>
        FlavorCatalog.Find(type, flavor)?.Settings ?? Array.Empty<FlavorSetting>();
}
