using System;
using StepOperator.Artifacts;
using StepOperator.Components;

namespace StepOperator.Flavors;

/// <summary>
/// A flavor of artifact store: it makes the store a run uses from a registered component, and opens the same store
/// in a step process from the location string the step is given (<see cref="IArtifactStore.Location"/>).
/// </summary>
public abstract class ArtifactStoreFlavor : Flavor
{
    public sealed override ComponentType Type => ComponentType.ArtifactStore;

    /// <summary>True when steps on other machines (a Modal sandbox) can reach stores of this flavor.</summary>
    public abstract bool IsRemote { get; }

    /// <summary>The scheme of its locations (<c>s3</c> for <c>s3://bucket/prefix</c>); null for plain paths.</summary>
    public abstract string? LocationScheme { get; }

    /// <summary>Its location's form, for messages: <c>s3://bucket[/prefix][?endpoint=&lt;url&gt;]</c>.</summary>
    public abstract string LocationForm { get; }

    /// <summary>Makes the store of <paramref name="component"/>; <paramref name="homeDirectory"/> is the program's StepOperator folder.</summary>
    public abstract IArtifactStore Create(ComponentDefinition component, string homeDirectory);

    /// <summary>Opens a store from its location, with credentials read through <paramref name="environment"/>.</summary>
    public abstract IArtifactStore Open(StoreLocation location, Func<string, string?> environment);
}
