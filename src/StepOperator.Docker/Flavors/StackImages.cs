using System.Collections.Generic;
using StepOperator.Components;
using StepOperator.Flavors;

namespace StepOperator.Docker;

/// <summary>The program's image of a stack whose steps run in containers (docker, Modal): one per stack, however many operators use it.</summary>
public static class StackImages
{
    /// <summary>The stack's image, from its image builder and registry; made once per stack.</summary>
    public static StackImage For(StackBuild stack) => stack.Shared(() =>
    {
        var builder = stack.Component(ComponentType.ImageBuilder) ?? throw new StackConfigurationException(
            $"Stack '{stack.Definition.Name}' runs steps in containers but has no image builder. Add the built-in one: {ProgramCommands.Prefix} stack update {stack.Definition.Name} -i {DockerImageBuilderFlavor.FlavorName}.");
        var registry = stack.Component(ComponentType.ContainerRegistry) is { } component
            ? FlavorCatalog.Require<DefaultContainerRegistryFlavor>(component.Type, component.Flavor, component.Describe()).Create(component)
            : null;
        var flavor = FlavorCatalog.Require<DockerImageBuilderFlavor>(builder.Type, builder.Flavor, builder.Describe());
        return new StackImage(flavor.Request(builder, registry, stack.Options));
    });

    /// <summary>The problem of a stack that runs steps in containers without an image builder to build their image.</summary>
    public static IEnumerable<string> CheckImageBuilder(StackCheck stack)
    {
        if (stack.Definition.ImageBuilder is null)
        {
            yield return $"Stack '{stack.Definition.Name}' runs steps in containers but has no image builder to build the step image. " +
                $"Add the built-in one: {ProgramCommands.Prefix} stack update {stack.Definition.Name} -i {DockerImageBuilderFlavor.FlavorName}.";
        }
    }
}
