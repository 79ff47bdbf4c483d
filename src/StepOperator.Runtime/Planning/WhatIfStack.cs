using System;
using System.Collections.Generic;
using System.Linq;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Flavors;
using StepOperator.Local;
using StepOperator.Stacks;

namespace StepOperator.Planning;

/// <summary>
/// A stack <c>plan --stack NAME</c> pictures before one of that name is registered: the local orchestrator, the
/// step operator of a flavor that offers a what-if (<see cref="IWhatIfFlavor"/>), and a store that is registered already or
/// an empty one. Each component that is missing is a warning with the command that registers it.
/// </summary>
/// <param name="Definition">The stack as it would be registered.</param>
/// <param name="Warnings">What a run needs first, each with its fix.</param>
/// <param name="Store">The registered artifact store the plan reads the cache of; null for one not registered yet (read as empty).</param>
/// <param name="StepOperator">Makes the step operator that describes steps' resources and prices (it runs nothing).</param>
public sealed record WhatIfStack(StackDefinition Definition, IReadOnlyList<string> Warnings, ComponentDefinition? Store, Func<IStepOperator> StepOperator)
{
    /// <summary>The what-if for <paramref name="stackName"/>, or null when it is not one (a registered stack, or a name no flavor pictures).</summary>
    internal static WhatIfStack? For(string stackName, StackConfiguration configuration) =>
        configuration.FindStack(stackName) is not null
            ? null
            : FlavorCatalog.All.OfType<IWhatIfFlavor>().Select(flavor => flavor.WhatIf(stackName, configuration)).FirstOrDefault(whatIf => whatIf is not null);

    /// <summary>The stack the plan runs on: a registered remote store's cache is read; a store not registered yet is empty.</summary>
    internal Stack Create(string homeDirectory)
    {
        var store = Store is null
            ? new EmptyArtifactStore($"(artifact store '{Definition.ArtifactStore}', not registered yet)", isRemote: true)
            : StackFactory.CreateArtifactStore(Store, homeDirectory);
        return new Stack(Definition.Name, store, new LocalProcessStepOperator(name: StackConfiguration.LocalName, standby: false), StepOperator());
    }
}

/// <summary>A flavor that can picture a stack of its own for <c>plan --stack NAME</c> before one is registered.</summary>
public interface IWhatIfFlavor
{
    /// <summary>The what-if for <paramref name="stackName"/>, or null when this flavor does not picture that name.</summary>
    WhatIfStack? WhatIf(string stackName, StackConfiguration configuration);
}
