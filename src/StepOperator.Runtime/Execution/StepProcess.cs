using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;
using StepOperator.Flavors;

namespace StepOperator.Execution;

/// <summary>
/// The step-entrypoint mode: inside a child process or a container, runs one step call and exits
/// with 0 on success, 1 when the step threw (after writing error.json), 130 when cancelled.
/// </summary>
internal static class StepProcess
{
    /// <summary>
    /// Runs a call as the process's whole job: SIGINT and SIGTERM cancel the step (the orchestrator's way to
    /// stop it) instead of ending the process, so it can still exit with 130 and leave nothing half-written.
    /// </summary>
    public static async Task<int> RunAsync(StepEntrypointCall call, TextWriter error)
    {
        using var cancellation = new CancellationTokenSource();
        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            cancellation.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        return await RunAsync(call.Step, call.RunId, call.InvocationId, call.StoreLocation, error, cancellation.Token).ConfigureAwait(false);
    }

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
        if (await ReadInvocationAsync(store, storeLocation, runId, invocationId, error, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return 2;
        }

        try
        {
            await using var invocation = new StepInvocation(store, record);
            try
            {
                await step.Entrypoint(invocation, cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception thrown) when (!IsCancellation(thrown, cancellationToken))
            {
                // Caught inside the 'await using': an exception that leaves through its asynchronous disposal is
                // rethrown once more, and its stack trace would show this method's frame twice.
                await ReportFailureAsync(store, runId, invocationId, thrown, error).ConfigureAwait(false);
                return 1;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"Step '{invocationId}' was cancelled.").ConfigureAwait(false);
            return 130;
        }
        catch (Exception thrown)
        {
            await ReportFailureAsync(store, runId, invocationId, thrown, error).ConfigureAwait(false);
            return 1;
        }
    }

    private static bool IsCancellation(Exception thrown, CancellationToken cancellationToken) =>
        thrown is OperationCanceledException && cancellationToken.IsCancellationRequested;

    /// <summary>The first line a failed step process writes about its exception; the orchestrator recognises the report by it.</summary>
    public static string FailureHeader(string invocationId) => $"Step '{invocationId}' failed: ";

    // The call's record, or null (after saying why) when the store has none that reads: the orchestrator writes it
    // before it starts the process, so without it there is nothing to run.
    private static async Task<InvocationRecord?> ReadInvocationAsync(IArtifactStore store, string storeLocation, string runId, string invocationId, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            // A few hundred bytes: read whole and parsed synchronously (less start-up work than the async reader).
            using var bytes = new MemoryStream();
            await using (var stream = await store.OpenReadAsync(RunLayout.Invocation(runId, invocationId), cancellationToken).ConfigureAwait(false))
            {
                await stream.CopyToAsync(bytes, cancellationToken).ConfigureAwait(false);
            }

            return InvocationRecordReader.Read(bytes.GetBuffer().AsMemory(0, (int)bytes.Length));
        }
        catch (Exception e) when (e is ArtifactNotFoundException or JsonException)
        {
            await error.WriteLineAsync(
                $"Step call '{invocationId}' of run '{runId}' has no readable invocation record in the artifact store {storeLocation}: {e.Message} " +
                "Step processes are started by a pipeline run, which writes that record first; run the pipeline instead.").ConfigureAwait(false);
            return null;
        }
    }

    // What the step threw, for the process's error output and for the orchestrator (error.json beside the output).
    private static async Task ReportFailureAsync(IArtifactStore store, string runId, string invocationId, Exception thrown, TextWriter error)
    {
        var e = thrown is TargetInvocationException { InnerException: { } inner } ? inner : thrown;
        var report = new StepErrorRecord(e.GetType().FullName ?? e.GetType().Name, e.Message, e.StackTrace, OutOfMemory: e is OutOfMemoryException);
        // Once: the header line names the exception and its message, the lines after it are the stack trace.
        await error.WriteLineAsync(FailureHeader(invocationId) + e).ConfigureAwait(false);
        await store.WriteAsync(RunLayout.Error(runId, invocationId), (stream, ct) => JsonSerializer.SerializeAsync(stream, report, RuntimeJson.Default.StepErrorRecord, ct), CancellationToken.None).ConfigureAwait(false);
    }
}
