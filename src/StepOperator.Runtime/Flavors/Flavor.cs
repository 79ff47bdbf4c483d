using System;
using System.Collections.Generic;
using System.Linq;
using StepOperator.Components;

namespace StepOperator.Flavors;

/// <summary>
/// A backend of one component type, as ZenML's flavors are: its name, its settings (typed, documented, checked),
/// its rules in a stack, and how it is built (<see cref="StepOperatorFlavor"/>, <see cref="ArtifactStoreFlavor"/>).
/// StepOperator's core names no backend: each flavor is one object, in the package that brings the backend.
/// </summary>
public abstract class Flavor
{
    /// <summary>The component type it is a flavor of.</summary>
    public abstract ComponentType Type { get; }

    /// <summary>The name given as <c>--flavor</c> (<c>modal</c>, <c>s3</c>).</summary>
    public abstract string Name { get; }

    /// <summary>One sentence: what a component of this flavor is.</summary>
    public abstract string Description { get; }

    /// <summary>The settings of its own it reads.</summary>
    public abstract IReadOnlyList<FlavorSetting> Settings { get; }

    /// <summary>The package that brings it, for help and for the message a program without it gets.</summary>
    public virtual string Package => FlavorCatalog.CorePackage;

    /// <summary>Environment variables that hold this flavor's credentials: read by the orchestrator only, never passed to a step.</summary>
    public virtual IReadOnlyList<string> SecretVariables => Array.Empty<string>();

    /// <summary>Components of this flavor that every configuration has, each with the environment variables its settings come from.</summary>
    public virtual IReadOnlyList<BuiltInComponent> BuiltIns => Array.Empty<BuiltInComponent>();

    /// <summary>Components the environment declares (a registry from STEPOPERATOR_REGISTRY), added after the built-in ones.</summary>
    public virtual IEnumerable<ComponentDefinition> FromEnvironment() => Enumerable.Empty<ComponentDefinition>();

    /// <summary>Stacks that come with the flavor (the <c>docker</c> stack with the docker orchestrator).</summary>
    public virtual IEnumerable<StackDefinition> BuiltInStacks() => Enumerable.Empty<StackDefinition>();

    /// <summary>
    /// Rules between a component's settings, checked at registration after each value is checked on its own
    /// (<paramref name="stored"/> gives a stored value, null when unset or read from the environment).
    /// </summary>
    public virtual IEnumerable<string> CheckSettings(ComponentDefinition component, Func<string, string?> stored) => Enumerable.Empty<string>();

    /// <summary>This flavor's rules for the stack <paramref name="stack"/> uses it in; each problem names its fix.</summary>
    public virtual IEnumerable<string> CheckStack(StackCheck stack, ComponentDefinition component) => Enumerable.Empty<string>();

    /// <summary>The setting named <paramref name="name"/> (any case), or null.</summary>
    internal FlavorSetting? Setting(string name) =>
        Settings.FirstOrDefault(setting => string.Equals(setting.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// How to change <paramref name="component"/>'s <paramref name="option"/>: the variable a built-in component reads, the
    /// update command otherwise ("set STEPOPERATOR_DOCKER_GPUS=ignore (...)" or "dotnet run -- step-operator update gpu --gpus=ignore").
    /// </summary>
    public static string SettingFix(ComponentDefinition component, string option, string value, string? builtInVariable) =>
        builtInVariable is not null && FlavorCatalog.IsBuiltIn(component.Type, component.Name)
            ? $"set {builtInVariable}={value} (the built-in {component.Type.CommandName()} '{component.Name}' reads it)"
            : $"{ProgramCommands.Prefix} {component.Type.CommandName()} update {component.Name} --{option}={value}";

    public override string ToString() => $"{Type.CommandName()} flavor '{Name}'";
}

/// <summary>A component every configuration has: its name, and the variables its settings are read from (setting → variable).</summary>
public sealed record BuiltInComponent(string Name, IReadOnlyList<KeyValuePair<string, string>> SettingsFromEnvironment)
{
    public BuiltInComponent(string name, params (string Setting, string Variable)[] fromEnvironment)
        : this(name, fromEnvironment.Select(pair => new KeyValuePair<string, string>(pair.Setting, pair.Variable)).ToList())
    {
    }

    /// <summary>The component, with the settings its variables set now.</summary>
    public ComponentDefinition Definition(Flavor flavor)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (setting, variable) in SettingsFromEnvironment)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                settings[setting] = value;
            }
        }

        return new ComponentDefinition(Name, flavor.Type, flavor.Name, settings);
    }
}
