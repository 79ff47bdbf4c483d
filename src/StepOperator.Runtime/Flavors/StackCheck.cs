using System.Collections.Generic;
using StepOperator.Components;
using StepOperator.Stacks;

namespace StepOperator.Flavors;

/// <summary>A stack being checked before a run: its definition and its registered components, for the flavors' rules.</summary>
public sealed class StackCheck
{
    private readonly IReadOnlyDictionary<ComponentType, ComponentDefinition> _components;

    internal StackCheck(StackDefinition definition, IReadOnlyDictionary<ComponentType, ComponentDefinition> components)
    {
        Definition = definition;
        _components = components;
    }

    public StackDefinition Definition { get; }

    /// <summary>The stack's registered component of <paramref name="type"/>; null when it has none (or names one not registered, reported apart).</summary>
    public ComponentDefinition? Component(ComponentType type) => _components.GetValueOrDefault(type);

    /// <summary>The installed flavor of the stack's component of <paramref name="type"/>; null when there is none.</summary>
    public Flavor? FlavorOf(ComponentType type) =>
        Component(type) is { } component ? FlavorCatalog.Find(type, component.Flavor) : null;
}
