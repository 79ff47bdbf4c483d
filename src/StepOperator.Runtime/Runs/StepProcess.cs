using System;
using System.IO;
using System.Reflection;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;

namespace StepOperator.Runs;

/// <summary>
/// The step-entrypoint mode: inside a child process or a container, runs one step call and exits
/// with 0 on success, 1 when the step threw (after writing error.json), 130 when cancelled.
/// </summary>
public static class StepProcess
{
    public static async Task<int> RunAsync(string stepName, string runId, string invocationId, string storeLocation, TextWriter error, CancellationToken cancellationToken)
    {
        var step = StepCatalog.FindStep(stepName);
        if (step?.Entrypoint is null)
        {
            await error.WriteLineAsync($"Unknown step '{stepName}'. Steps of this program: {string.Join(", ", System.Linq.Enumerable.Select(StepCatalog.Steps, s => s.Name))}.").ConfigureAwait(false);
            return 2;
        }

        using var stopGuard = new CancellationTokenSource();
        OrphanGuard.Start(invocationId, error, stopGuard.Token);
        var store = ArtifactStores.Open(storeLocation);
        InvocationRecord record;
        await using (var stream = await store.OpenReadAsync(RunLayout.Invocation(runId, invocationId), cancellationToken).ConfigureAwait(false))
        {
            record = await JsonSerializer.DeserializeAsync<InvocationRecord>(stream, ArtifactSerializer.Options, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"The invocation record of '{invocationId}' is empty.");
        }

        try
        {
            await using var invocation = new StepInvocation(store, record);
            await step.Entrypoint(invocation, cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"Step '{invocationId}' was cancelled.").ConfigureAwait(false);
            return 130;
        }
        catch (Exception thrown)
        {
            var e = thrown is TargetInvocationException { InnerException: { } inner } ? inner : thrown;
            var report = new StepErrorRecord(e.GetType().FullName ?? e.GetType().Name, e.Message, e.StackTrace);
            await error.WriteLineAsync($"Step '{invocationId}' failed: {report.ExceptionType}: {report.Message}").ConfigureAwait(false);
            await error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            await ArtifactSerializer.WriteAsync(store, RunLayout.Error(runId, invocationId), report, "error report", CancellationToken.None).ConfigureAwait(false);
            return 1;
        }
    }
}
