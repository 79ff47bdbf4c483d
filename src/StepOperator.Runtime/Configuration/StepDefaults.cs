using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using StepOperator.Components;
using StepOperator.Flavors;
using StepOperator.Rules;

namespace StepOperator.Configuration;

/// <summary>
/// Step settings that a step operator or orchestrator gives the steps it runs, as ZenML's component config
/// does: <c>ModalStepOperatorConfig</c> inherits <c>ModalStepOperatorSettings</c> (gpu, region, cloud,
/// modal_environment, timeout), and a step's own settings override the component's
/// (src/zenml/integrations/modal/flavors/modal_step_operator_flavor.py). Registered as
/// <c>--gpu=A100 --timeout=3600</c>; a step gets a default only for a setting it does not set itself.
/// Precedence, highest first: <c>--set</c>, configuration <c>Steps:&lt;step&gt;:&lt;Setting&gt;</c>, the step's
/// attribute, the component's default, the built-in default.
/// </summary>
internal static class StepDefaults
{
    /// <summary>
    /// Every default a component can give, named as the <see cref="StepSettings"/> property it fills
    /// (registered as its snake_case option: <c>CpuCount</c> is <c>--cpu_count</c>). Adding a setting is one line here (its text is parsed by <see cref="StepOverrides"/>); each
    /// flavor names the ones it honours (<see cref="StepOperatorFlavor.StepDefaults"/>).
    /// </summary>
    private static readonly StepDefault[] Table =
    {
        new(nameof(StepSettings.Gpu), s => s.Gpu),
        new(nameof(StepSettings.GpuCount), s => s.GpuCount),
        new(nameof(StepSettings.CpuCount), s => s.CpuCount),
        new(nameof(StepSettings.Memory), s => s.Memory),
        new(nameof(StepSettings.CpuLimit), s => s.CpuLimit),
        new(nameof(StepSettings.MemoryLimit), s => s.MemoryLimit),
        new(nameof(StepSettings.Timeout), s => s.Timeout),
        new(nameof(StepSettings.Region), s => s.Region),
        new(nameof(StepSettings.Cloud), s => s.Cloud),
        new(nameof(StepSettings.ModalEnvironment), s => s.ModalEnvironment),
    };

    /// <summary>The step defaults a component of this type and flavor takes ("Gpu", "Timeout", ...); none for components that run no steps.</summary>
    public static IReadOnlyList<string> SettingsOf(ComponentType type, string flavor) =>
        EntriesOf(type, flavor).Select(entry => entry.Property).ToList();

    /// <summary>True when <paramref name="setting"/> is a step default of the component (rather than a setting of its own).</summary>
    public static bool IsStepDefault(ComponentDefinition component, string setting) =>
        EntriesOf(component.Type, component.Flavor).Any(entry => string.Equals(entry.Property, setting, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Reads a component's defaults. <paramref name="valueOf"/> gives a setting's text (null when unset);
    /// problems name the option, what is wrong and the fix, with the analyzer's messages for broken rules.
    /// </summary>
    internal static ComponentStepDefaults Read(ComponentDefinition component, Func<string, string?> valueOf)
    {
        var values = new List<(StepDefault Entry, string Text)>();
        var parsed = new StepSettings();
        var problems = new List<StepDefaultProblem>();
        foreach (var entry in EntriesOf(component.Type, component.Flavor))
        {
            if (valueOf(entry.Property) is not { Length: > 0 } text)
            {
                continue;
            }

            try
            {
                parsed = StepOverrides.With(parsed, entry.Property, text);
                values.Add((entry, text));
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                problems.Add(new StepDefaultProblem(entry.Property, text, $"{entry.Property} must be {StepOverrides.ExpectedKind(entry.Property)}."));
            }
        }

        foreach (var violation in ResourceRules.Validate(parsed.ToResources()).Where(v => !ResourceRules.IsAdvisory(v)))
        {
            var text = values.FirstOrDefault(value => value.Entry.Property == violation.Property).Text;
            problems.Add(new StepDefaultProblem(violation.Property, text, $"{violation.Message} ({violation.RuleId})"));
        }

        return new ComponentStepDefaults(component, values, problems);
    }

    /// <summary>A component's defaults as stored, with <c>env:NAME</c> values read from the environment (as when used).</summary>
    internal static ComponentStepDefaults Read(ComponentDefinition component) => Read(component, component.Get);

    /// <summary>
    /// The defaults of a stack's components: <c>[ModalStep]</c> steps get the step operator's, the others the
    /// orchestrator's. A component whose defaults are not valid gives none, and its problems say how to fix them.
    /// </summary>
    public static StackStepDefaults ForStack(StackDefinition stack, StackConfiguration configuration)
    {
        var problems = new List<string>();
        ComponentStepDefaults? DefaultsOf(ComponentType type)
        {
            if (stack.ComponentOf(type) is not { } name || configuration.FindComponent(type, name) is not { } component)
            {
                return null; // the stack validator reports it
            }

            var defaults = Read(component);
            foreach (var problem in defaults.Problems)
            {
                problems.Add(
                    $"{component.Describe()} has a step default that is not valid: {problem} " +
                    $"Fix it: {ProgramCommands.Prefix} {type.CommandName()} update {component.Name} --{problem.Option}=... (an empty value removes it).");
            }

            return defaults.Problems.Count == 0 ? defaults : null;
        }

        var orchestrator = DefaultsOf(ComponentType.Orchestrator);
        var stepOperator = stack.StepOperator is null ? orchestrator : DefaultsOf(ComponentType.StepOperator);
        return new StackStepDefaults(orchestrator, stepOperator, problems);
    }

    /// <summary>A value as a step attribute writes it: strings quoted, numbers invariant.</summary>
    internal static string Shown(object value) => value switch
    {
        string text => $"\"{text}\"",
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static IEnumerable<StepDefault> EntriesOf(ComponentType type, string flavor) =>
        FlavorCatalog.Find(type, flavor) is StepOperatorFlavor { StepDefaults: var honoured }
            ? Table.Where(entry => honoured.Contains(entry.Property, StringComparer.Ordinal))
            : Enumerable.Empty<StepDefault>();
}

/// <summary>One step default: the <see cref="StepSettings"/> property it fills, and how to read a step's own value of it.</summary>
internal sealed record StepDefault(string Property, Func<StepSettings, object?> Read);

/// <summary>A step default that is not valid: its option, its text (null when the rule concerns an unset setting) and what is wrong.</summary>
internal sealed record StepDefaultProblem(string Property, string? Text, string Message)
{
    /// <summary>The option as registered ("gpu_count").</summary>
    public string Option => ComponentDefinition.ToOptionName(Property);

    public override string ToString() => $"--{Option}{(Text is null ? string.Empty : "=" + Text)}: {Message}";
}

/// <summary>A component's step defaults: the values it registered (as text) and what is wrong with them.</summary>
internal sealed record ComponentStepDefaults(ComponentDefinition Component, IReadOnlyList<(StepDefault Entry, string Text)> Values, IReadOnlyList<StepDefaultProblem> Problems)
{
    /// <summary>The step's settings with every default it does not set filled in, and those defaults as written ("Timeout = 3600").</summary>
    public (StepSettings Settings, IReadOnlyList<string> Filled) ApplyTo(StepSettings step)
    {
        var filled = new List<string>();
        foreach (var (entry, text) in Values)
        {
            if (entry.Read(step) is not null)
            {
                continue; // the step's own setting wins
            }

            step = StepOverrides.With(step, entry.Property, text);
            filled.Add($"{entry.Property} = {StepDefaults.Shown(entry.Read(step)!)}");
        }

        return (step, filled);
    }
}

/// <summary>The step defaults of a stack's orchestrator and step operator, and what is wrong with them.</summary>
internal sealed class StackStepDefaults
{
    private readonly ComponentStepDefaults? _orchestrator;
    private readonly ComponentStepDefaults? _stepOperator;

    internal StackStepDefaults(ComponentStepDefaults? orchestrator, ComponentStepDefaults? stepOperator, IReadOnlyList<string> problems)
    {
        _orchestrator = orchestrator;
        _stepOperator = stepOperator;
        Problems = problems;
    }

    /// <summary>Defaults that are not valid, each with the command that fixes it.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>A step's settings with the defaults of the component that runs it filled in where the step sets nothing; null when none applied.</summary>
    internal (StepSettings Settings, DefaultedSettings? Defaulted) Fill(StepDefinition step, StepSettings settings)
    {
        if ((step.Placement == StepPlacement.Modal ? _stepOperator : _orchestrator) is not { } defaults)
        {
            return (settings, null);
        }

        var (merged, filled) = defaults.ApplyTo(settings);
        var component = defaults.Component;
        return filled.Count == 0
            ? (settings, null)
            : (merged, new DefaultedSettings($"{component.Type.CommandName()} '{component.Name}'", filled, $"{component.Type.CommandName()} update {component.Name}"));
    }
}

/// <summary>Settings a step got from a component's defaults.</summary>
/// <param name="Component">The component, as "step-operator 'gpu'".</param>
/// <param name="Settings">The settings as written ("Gpu = \"A100\"", "Timeout = 3600").</param>
/// <param name="Command">The command that changes them, without the program prefix ("step-operator update gpu").</param>
internal sealed record DefaultedSettings(string Component, IReadOnlyList<string> Settings, string Command)
{
    public override string ToString() => $"the defaults of {Component} ({string.Join(", ", Settings)})";
}

/// <summary>The steps' settings as they will run: the attributes, then run-time overrides, then the components' defaults.</summary>
/// <param name="Settings">Effective settings by step name.</param>
/// <param name="Defaulted">By step name, the settings it got from a component's defaults (steps that got none are absent).</param>
/// <param name="Problems">Overrides that are not valid, and settings that break a rule as they will run.</param>
internal sealed record EffectiveStepSettings(
    IReadOnlyDictionary<string, StepSettings> Settings,
    IReadOnlyDictionary<string, DefaultedSettings> Defaulted,
    IReadOnlyList<string> Problems)
{
    /// <summary>What does not stop the run but deserves a line (a GPU type the catalog does not know, a type with GpuCount = 0).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
