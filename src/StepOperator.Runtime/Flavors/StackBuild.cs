using System;
using System.Collections.Generic;
using StepOperator.Components;

namespace StepOperator.Flavors;

/// <summary>Run-time choices that shape a stack.</summary>
/// <param name="PreventBuildReuse">Build and push the image even when its tag exists.</param>
public sealed record StackCreationOptions(bool PreventBuildReuse = false);

/// <summary>
/// A stack being made into the components a run uses: what flavors read while they build their part (the stack,
/// its other components, the run's choices) and where they keep what the stack's operators share (one image, one
/// pool of standby processes).
/// </summary>
public sealed class StackBuild
{
    private readonly Dictionary<Type, object> _shared = new();
    private readonly Func<ComponentType, string, ComponentDefinition?> _registered;

    /// <param name="definition">The stack.</param>
    /// <param name="registered">Finds a registered component by type and name (null when there is none).</param>
    /// <param name="homeDirectory">The program's StepOperator folder.</param>
    /// <param name="options">The run's choices.</param>
    public StackBuild(StackDefinition definition, Func<ComponentType, string, ComponentDefinition?> registered, string homeDirectory, StackCreationOptions options)
    {
        Definition = definition;
        _registered = registered;
        HomeDirectory = homeDirectory;
        Options = options;
    }

    public StackDefinition Definition { get; }

    /// <summary>The program's StepOperator folder (runs, cache).</summary>
    public string HomeDirectory { get; }

    public StackCreationOptions Options { get; }

    /// <summary>The stack's component of <paramref name="type"/>; null when the stack has none.</summary>
    public ComponentDefinition? Component(ComponentType type) =>
        Definition.ComponentOf(type) is { } name
            ? _registered(type, name) ?? throw new StackConfigurationException($"{type.CommandName()} '{name}' is not registered.")
            : null;

    /// <summary>The one <typeparamref name="T"/> of this stack, made by <paramref name="create"/> the first time it is asked for.</summary>
    public T Shared<T>(Func<T> create)
        where T : class
    {
        if (!_shared.TryGetValue(typeof(T), out var made))
        {
            _shared[typeof(T)] = made = create();
        }

        return (T)made;
    }
}
