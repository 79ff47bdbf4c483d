using System;
using System.Collections.Generic;
using System.Linq;

namespace StepOperator.Components;

/// <summary>The kinds of stack component, as in ZenML.</summary>
public enum ComponentType
{
    Orchestrator,
    StepOperator,
    ArtifactStore,
    ContainerRegistry,
    ImageBuilder,
}

/// <summary>Names of component types as they appear in commands ("step-operator") and configuration ("StepOperators").</summary>
public static class ComponentTypes
{
    internal static IReadOnlyList<ComponentType> All { get; } = Enum.GetValues<ComponentType>();

    /// <summary>The command word: orchestrator, step-operator, artifact-store, container-registry, image-builder.</summary>
    public static string CommandName(this ComponentType type) => type switch
    {
        ComponentType.Orchestrator => "orchestrator",
        ComponentType.StepOperator => "step-operator",
        ComponentType.ArtifactStore => "artifact-store",
        ComponentType.ContainerRegistry => "container-registry",
        _ => "image-builder",
    };

    /// <summary>The configuration section: Orchestrators, StepOperators, ArtifactStores, ContainerRegistries, ImageBuilders.</summary>
    internal static string SectionName(this ComponentType type) => type switch
    {
        ComponentType.Orchestrator => "Orchestrators",
        ComponentType.StepOperator => "StepOperators",
        ComponentType.ArtifactStore => "ArtifactStores",
        ComponentType.ContainerRegistry => "ContainerRegistries",
        _ => "ImageBuilders",
    };

    /// <summary>The stack option that sets this component: -o, -s, -a, -c, -i (as ZenML's).</summary>
    internal static string StackOption(this ComponentType type) => type switch
    {
        ComponentType.Orchestrator => "-o",
        ComponentType.StepOperator => "-s",
        ComponentType.ArtifactStore => "-a",
        ComponentType.ContainerRegistry => "-c",
        _ => "-i",
    };

    internal static ComponentType? FromCommandName(string name) =>
        All.Cast<ComponentType?>().FirstOrDefault(t => t!.Value.CommandName() == name);
}
