using System;
using System.Collections.Generic;
using StepOperator.Configuration;
using StepOperator.Stacks;

namespace StepOperator.Flavors;

/// <summary>
/// A stack being made into the components a run uses: what flavors read while they build their part (the stack,
/// its other components, the run's choices) and where they keep what the stack's operators share (one image, one
/// pool of standby processes).
/// </summary>
public sealed class StackBuild
{
    private readonly Dictionary<Type, object> _shared = new();
    private readonly StackConfiguration _configuration;

    internal StackBuild(StackDefinition definition, StackConfiguration configuration, string homeDirectory, StackCreationOptions options)
    {
        Definition = definition;
        _configuration = configuration;
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
            ? _configuration.FindComponent(type, name) ?? throw new StackConfigurationException($"{type.CommandName()} '{name}' is not registered.")
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
