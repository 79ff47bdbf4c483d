using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using StepOperator.Configuration;
using StepOperator.Rules;

namespace StepOperator.Stacks;

/// <summary>
/// Run-time changes to steps' settings, from configuration (Steps:Train:Memory) or the command line
/// (--set Train.MemoryLimit=64GB; an empty value removes the setting). They are checked by the same
/// rules, with the same messages, as the analyzer checks the attributes.
/// </summary>
public sealed class StepOverrides
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
    /// Applies the overrides to the program's steps: the effective settings by step name, every problem (unknown
    /// steps, values of the wrong kind, broken resource rules) as a message, and the warnings of the rules that do
    /// not stop a run (SOP002, SOP004: a GPU type this catalog does not know is sent for Modal to judge), as the
    /// analyzer reports them at compile time.
    /// </summary>
    public (IReadOnlyDictionary<string, StepSettings> Settings, IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings) Apply(IReadOnlyList<StepDefinition> steps)
    {
        var problems = new List<string>();
        var warnings = new List<string>();
        var effective = steps.ToDictionary(s => s.Name, s => s.Settings, StringComparer.Ordinal);
        foreach (var (stepName, settings) in _byStep)
        {
            if (!effective.TryGetValue(stepName, out var current))
            {
                problems.Add($"Override of step '{stepName}': this program has no such step. Steps: {string.Join(", ", steps.Select(s => s.Name))}.");
                continue;
            }

            foreach (var (property, value) in settings)
            {
                try
                {
                    current = With(current, property, value);
                }
                catch (FormatException)
                {
                    var kind = NumberProperties.Contains(property) ? "number" : FlagProperties.Contains(property) ? "true or false" : "whole number";
                    problems.Add($"Override of step '{stepName}': {property} = \"{value}\" is not {(kind == "true or false" ? kind : "a " + kind)}.");
                }
            }

            foreach (var violation in ResourceRules.Validate(current.ToResources()))
            {
                var message = $"Override of step '{stepName}': {violation.Message} ({violation.RuleId})";
                if (!ResourceRules.IsAdvisory(violation))
                {
                    problems.Add(message);
                }
                else if (ResourceRules.IsWarning(violation))
                {
                    warnings.Add(message);
                }
            }

            effective[stepName] = current;
        }

        return (effective, problems, warnings);
    }

    private static StepSettings With(StepSettings settings, string property, string value)
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
