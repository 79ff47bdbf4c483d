using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using StepOperator.Artifacts;

namespace StepOperator.Stacks;

/// <summary>
/// A stack: where artifacts live, where <c>[Step]</c> methods run (the orchestrator's side) and where
/// <c>[ModalStep]</c> methods run (the step operator).
/// </summary>
public sealed record Stack(string Name, IArtifactStore ArtifactStore, IStepOperator Orchestrator, IStepOperator StepOperator) : IAsyncDisposable
{
    /// <summary>At most this many step calls run at once (the orchestrator's MaxParallelSteps); null for no limit.</summary>
    public int? MaxParallelSteps { get; init; }

    /// <summary>The artifact store's registered name, for the fixes its problems suggest; null when it has none.</summary>
    public string? ArtifactStoreName { get; init; }

    internal IStepOperator OperatorFor(StepDefinition step) =>
        step.Placement == StepPlacement.Modal ? StepOperator : Orchestrator;

    /// <summary>Prepares every operator of the stack (images, connections) before any step starts.</summary>
    internal async Task PrepareAsync(ILogger log, CancellationToken cancellationToken)
    {
        // The store first, like the registry's credentials: a store a run cannot use fails it in one line before
        // any image is built or step started, instead of failing each step with the service's whole answer.
        await CheckArtifactStoreAsync(cancellationToken).ConfigureAwait(false);
        await Orchestrator.PrepareAsync(log, cancellationToken).ConfigureAwait(false);
        if (!ReferenceEquals(StepOperator, Orchestrator))
        {
            await StepOperator.PrepareAsync(log, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Checks the artifact store (<see cref="IArtifactStore.CheckAsync"/>); its problem names the store as registered.</summary>
    internal async Task CheckArtifactStoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ArtifactStore.CheckAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactStoreUnavailableException e) when (ArtifactStoreName is { } name)
        {
            throw e.Named(name);
        }
    }

    /// <summary>Stops what an interrupted earlier attempt of the run left running on the stack's operators.</summary>
    internal async Task CleanUpRunAsync(string runId, CancellationToken cancellationToken)
    {
        await Orchestrator.CleanUpRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (!ReferenceEquals(StepOperator, Orchestrator))
        {
            await StepOperator.CleanUpRunAsync(runId, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Orchestrator is IAsyncDisposable orchestrator)
        {
            await orchestrator.DisposeAsync().ConfigureAwait(false);
        }

        if (!ReferenceEquals(StepOperator, Orchestrator) && StepOperator is IAsyncDisposable stepOperator)
        {
            await stepOperator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
