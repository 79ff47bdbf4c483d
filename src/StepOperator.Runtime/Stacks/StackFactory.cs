using System;
using System.Collections.Generic;
using System.Globalization;
using StepOperator.Artifacts;
using StepOperator.Configuration;
using StepOperator.Flavors;

namespace StepOperator.Stacks;

/// <summary>Run-time choices that shape a stack.</summary>
/// <param name="PreventBuildReuse">Build and push the image even when its tag exists.</param>
public sealed record StackCreationOptions(bool PreventBuildReuse = false);

/// <summary>Turns a validated stack definition into the components a run uses, each made by its flavor.</summary>
public static class StackFactory
{
    public static Stack Create(StackDefinition definition, StackConfiguration configuration, string homeDirectory, StackCreationOptions options)
    {
        var build = new StackBuild(definition, configuration, homeDirectory, options);
        var store = CreateArtifactStore(Registered(build, ComponentType.ArtifactStore), homeDirectory);

        var created = new Dictionary<ComponentDefinition, IStepOperator>();
        IStepOperator Operator(ComponentDefinition component)
        {
            if (!created.TryGetValue(component, out var made))
            {
                var flavor = FlavorCatalog.Require<StepOperatorFlavor>(component.Type, component.Flavor, usedBy: component.Describe());
                created[component] = made = flavor.Create(component, build);
            }

            return made;
        }

        var orchestratorComponent = Registered(build, ComponentType.Orchestrator);
        var orchestrator = Operator(orchestratorComponent);
        var stepOperator = build.Component(ComponentType.StepOperator) is { } stepOperatorComponent ? Operator(stepOperatorComponent) : orchestrator;
        return new Stack(definition.Name, store, orchestrator, stepOperator)
        {
            MaxParallelSteps = MaxParallelSteps(orchestratorComponent),
            ArtifactStoreName = definition.ArtifactStore,
        };
    }

    /// <summary>The store of a registered artifact store component, made by its flavor.</summary>
    public static IArtifactStore CreateArtifactStore(ComponentDefinition component, string homeDirectory) =>
        FlavorCatalog.Require<ArtifactStoreFlavor>(component.Type, component.Flavor, usedBy: component.Describe()).Create(component, homeDirectory);

    private static ComponentDefinition Registered(StackBuild build, ComponentType type) =>
        build.Component(type) ?? throw new StackConfigurationException($"Stack '{build.Definition.Name}' has no {type.CommandName()}.");

    /// <summary>Whether a local operator starts each next step process ahead of its call (setting <c>standby</c>, default true).</summary>
    public static bool Standby(ComponentDefinition component) => component.Get("Standby") switch
    {
        null => true,
        var text when bool.TryParse(text, out var value) => value,
        var text => throw new StackConfigurationException(
            $"{component.Describe()}: standby = '{text}' is not true or false. Set it with: {component.Type.CommandName()} update {component.Name} --standby=false (or true, the default)."),
    };

    /// <summary>The orchestrator's limit on step calls running at once (max_parallel_steps); null or 0 for none.</summary>
    public static int? MaxParallelSteps(ComponentDefinition orchestrator)
    {
        var text = orchestrator.Get("MaxParallelSteps");
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) || limit < 0)
        {
            throw new StackConfigurationException(
                $"{orchestrator.Describe()}: max_parallel_steps = '{text}' is not a whole number of 0 or more. Set it with: orchestrator update {orchestrator.Name} --max_parallel_steps=4 (0 for no limit).");
        }

        return limit == 0 ? null : limit;
    }

    /// <summary>
    /// How to change <paramref name="component"/>'s <paramref name="option"/>: the variable a built-in component reads, the
    /// update command otherwise ("set STEPOPERATOR_DOCKER_GPUS=ignore (...)" or "dotnet run -- step-operator update gpu --gpus=ignore").
    /// </summary>
    public static string SettingFix(ComponentDefinition component, string option, string value, string? builtInVariable) =>
        builtInVariable is not null && StackConfiguration.IsBuiltIn(component.Type, component.Name)
            ? $"set {builtInVariable}={value} (the built-in {component.Type.CommandName()} '{component.Name}' reads it)"
            : $"{StackValidator.CommandPrefix} {component.Type.CommandName()} update {component.Name} --{option}={value}";
}

/// <summary>A stack, pipeline or step name that does not exist; the message lists the valid ones.</summary>
public sealed class UnknownNameException(string message) : Exception(message);
