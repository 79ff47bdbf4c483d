using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using StepOperator.Components;
using StepOperator.Rules;

namespace StepOperator.Configuration;

/// <summary>
/// Run-time changes to steps' settings, from configuration (Steps:Train:Memory) or the command line
/// (--set Train.MemoryLimit=64GB; an empty value removes the setting). They are checked by the same
/// rules, with the same messages, as the analyzer checks the attributes.
/// </summary>
internal sealed class StepOverrides
{
    public static readonly IReadOnlyList<string> Properties = new[]
    {
        nameof(StepSettings.Gpu), nameof(StepSettings.GpuCount), nameof(StepSettings.CpuCount), nameof(StepSettings.Memory),
        nameof(StepSettings.CpuLimit), nameof(StepSettings.MemoryLimit), nameof(StepSettings.Timeout), nameof(StepSettings.Region), nameof(StepSettings.Cloud),
        nameof(StepSettings.ModalEnvironment), nameof(StepSettings.StepOperator),
        nameof(StepSettings.EnableCache), nameof(StepSettings.MaxRetries), nameof(StepSettings.RetryDelay),
        nameof(StepSettings.RetryBackoff), nameof(StepSettings.RetryOnException),
    };

    private static readonly string[] NumberProperties = { nameof(StepSettings.CpuCount), nameof(StepSettings.CpuLimit), nameof(StepSettings.RetryDelay), nameof(StepSettings.RetryBackoff) };

    private static readonly string[] FlagProperties = { nameof(StepSettings.EnableCache), nameof(StepSettings.RetryOnException) };

    private readonly Dictionary<string, Dictionary<string, string>> _byStep = new(StringComparer.Ordinal);

    public bool IsEmpty => _byStep.Count == 0;

    /// <summary>Adds configuration overrides, then command-line ones ("Step.Property=value"), which win.</summary>
    public static StepOverrides From(IReadOnlyDictionary<string, Dictionary<string, string>> configured, IEnumerable<string> commandLine)
    {
        var overrides = new StepOverrides();
        foreach (var (step, settings) in configured)
        {
            foreach (var (property, value) in settings)
            {
                overrides.Set(step, property, value);
            }
        }

        foreach (var assignment in commandLine)
        {
            var equals = assignment.IndexOf('=');
            var dot = equals < 0 ? -1 : assignment.LastIndexOf('.', equals);
            if (equals < 0 || dot <= 0)
            {
                throw new StackConfigurationException(
                    $"--set {assignment}: write Step.Property=value, for example --set Train.Memory=64GB (an empty value removes the setting).");
            }

            overrides.Set(assignment[..dot], assignment[(dot + 1)..equals], assignment[(equals + 1)..]);
        }

        return overrides;
    }

    private void Set(string step, string property, string value)
    {
        var known = Properties.FirstOrDefault(p => string.Equals(p, property, StringComparison.OrdinalIgnoreCase))
            ?? throw new StackConfigurationException(
                $"Override of step '{step}': '{property}' is not a step setting. Settings: {string.Join(", ", Properties)}.");
        if (!_byStep.TryGetValue(step, out var settings))
        {
            _byStep[step] = settings = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        settings[known] = value;
    }

    /// <summary>
    /// Applies the overrides to the program's steps, then the stack components' defaults to what the steps do not
    /// set: the effective settings by step name, which came from defaults, every problem (unknown steps, values of
    /// the wrong kind, broken resource rules of the settings as they will run) as a message, and the warnings of the
    /// rules that do not stop a run (SOP002, SOP004: a GPU type this catalog does not know is sent for Modal to judge).
    /// </summary>
    public EffectiveStepSettings Apply(IReadOnlyList<StepDefinition> steps, StackStepDefaults? defaults = null)
    {
        var problems = new List<string>();
        var warnings = new List<string>();
        var known = steps.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var stepName in _byStep.Keys.Where(name => !known.Contains(name)))
        {
            problems.Add($"Override of step '{stepName}': this program has no such step. Steps: {string.Join(", ", steps.Select(s => s.Name))}.");
        }

        var effective = new Dictionary<string, StepSettings>(StringComparer.Ordinal);
        var defaulted = new Dictionary<string, DefaultedSettings>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var current = step.Settings;
            var overridden = _byStep.TryGetValue(step.Name, out var settings);
            foreach (var (property, value) in settings ?? new Dictionary<string, string>())
            {
                try
                {
                    current = With(current, property, value);
                }
                catch (Exception e) when (e is FormatException or OverflowException)
                {
                    problems.Add($"Override of step '{step.Name}': {property} = \"{value}\" is not {ExpectedKind(property)}.");
                }
            }

            var (merged, fromDefaults) = defaults?.Fill(step, current) ?? (current, null);
            if (fromDefaults is not null)
            {
                defaulted[step.Name] = fromDefaults;
            }

            // The attribute alone was checked by the analyzer: checked here is what overrides or defaults changed.
            var violations = ResourceRules.Validate(merged.ToResources()).Where(v => !ResourceRules.IsAdvisory(v));
            if (overridden)
            {
                var context = fromDefaults is null ? string.Empty : $" (with {fromDefaults})";
                problems.AddRange(violations.Select(v => $"Override of step '{step.Name}'{context}: {v.Message} ({v.RuleId})"));
                warnings.AddRange(ResourceRules.Validate(merged.ToResources()).Where(ResourceRules.IsWarning)
                    .Select(v => $"Override of step '{step.Name}'{context}: {v.Message} ({v.RuleId})"));
            }
            else if (fromDefaults is not null)
            {
                var written = ResourceRules.Validate(current.ToResources()).Select(v => v.Message).ToHashSet(StringComparer.Ordinal);
                problems.AddRange(violations.Where(v => !written.Contains(v.Message)).Select(v =>
                    $"Step '{step.Name}' with {fromDefaults}: {v.Message} ({v.RuleId}) " +
                    $"Set {v.Property} on the step (or --set {step.Name}.{v.Property}=...), or change the default: " +
                    $"{ProgramCommands.Prefix} {fromDefaults.Command} --{ComponentDefinition.ToOptionName(v.Property)}=..."));
            }

            effective[step.Name] = merged;
        }

        return new EffectiveStepSettings(effective, defaulted, problems) { Warnings = warnings };
    }

    /// <summary>What a property's text must be: "a number", "true or false" or "a whole number" (for the string properties any text will do).</summary>
    internal static string ExpectedKind(string property) =>
        NumberProperties.Contains(property) ? "a number" : FlagProperties.Contains(property) ? "true or false" : "a whole number";

    /// <summary>
    /// The settings with one property set from its text (empty removes it); a <see cref="FormatException"/>
    /// when the text is not of the property's kind.
    /// </summary>
    internal static StepSettings With(StepSettings settings, string property, string value)
    {
        var text = value.Length == 0 ? null : value;
        int? Integer() => text is null ? null : int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
        double? Number() => text is null ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        bool? Flag() => text is null ? null : bool.Parse(text);
        return property switch
        {
            nameof(StepSettings.Gpu) => settings with { Gpu = text },
            nameof(StepSettings.GpuCount) => settings with { GpuCount = Integer() },
            nameof(StepSettings.CpuCount) => settings with { CpuCount = Number() },
            nameof(StepSettings.Memory) => settings with { Memory = text },
            nameof(StepSettings.CpuLimit) => settings with { CpuLimit = Number() },
            nameof(StepSettings.MemoryLimit) => settings with { MemoryLimit = text },
            nameof(StepSettings.Timeout) => settings with { Timeout = Integer() },
            nameof(StepSettings.Region) => settings with { Region = text },
            nameof(StepSettings.Cloud) => settings with { Cloud = text },
            nameof(StepSettings.ModalEnvironment) => settings with { ModalEnvironment = text },
            nameof(StepSettings.EnableCache) => settings with { EnableCache = Flag() },
            nameof(StepSettings.MaxRetries) => settings with { MaxRetries = Integer() },
            nameof(StepSettings.RetryDelay) => settings with { RetryDelay = Number() },
            nameof(StepSettings.RetryBackoff) => settings with { RetryBackoff = Number() },
            nameof(StepSettings.RetryOnException) => settings with { RetryOnException = Flag() },
            _ => settings with { StepOperator = text },
        };
    }
}
