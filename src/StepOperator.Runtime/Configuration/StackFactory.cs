using System.Collections.Generic;
using System.Globalization;
using StepOperator.Artifacts;
using StepOperator.Components;
using StepOperator.Flavors;
using StepOperator.Stacks;

namespace StepOperator.Configuration;

/// <summary>Turns a validated stack definition into the components a run uses, each made by its flavor.</summary>
internal static class StackFactory
{
    public static Stack Create(StackDefinition definition, StackConfiguration configuration, string homeDirectory, StackCreationOptions options)
    {
        var build = new StackBuild(definition, configuration.FindComponent, homeDirectory, options);
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
}
