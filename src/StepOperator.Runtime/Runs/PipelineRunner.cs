using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;
using StepOperator.Stacks;

namespace StepOperator.Runs;

/// <summary>Runs a pipeline method on a stack and records the run; <paramref name="time"/> is the clock the run is timed and waits by.</summary>
internal sealed class PipelineRunner(RunConsole console, TimeProvider time)
{
    /// <summary>A runner on the system's clock.</summary>
    public PipelineRunner(RunConsole console)
        : this(console, TimeProvider.System)
    {
    }

    /// <summary>
    /// Writes the run's report when it ends (the record and the run's folder; returns the report's path). Reports are a
    /// layer above orchestration: the host gives the writer, a runner without one writes no report.
    /// </summary>
    public Func<RunRecord, string, string>? ReportWriter { get; init; }

    /// <summary>Runs <paramref name="pipeline"/>; returns the run record (also in run.json).</summary>
    public async Task<RunRecord> RunAsync(
        PipelineDefinition pipeline,
        Stack stack,
        string runsDirectory,
        RunOptions options,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var runId = options.Resume?.RunId ?? RunId.New(now);
        var runDirectory = Path.Combine(runsDirectory, runId);
        var record = new RunRecord
        {
            RunId = runId,
            Resumed = options.Resume is { } earlier ? earlier.Resumed + 1 : 0,
            Pipeline = pipeline.Name,
            Stack = stack.Name,
            ArtifactStore = stack.ArtifactStore.Location,
            StartedAt = now,
            CacheEnabled = options.UseCache,
            MaxParallelSteps = options.MaxParallelSteps,
        };
        var journal = new RunJournal(record, runDirectory, console, time);
        if (options.Resume is not null && File.Exists(journal.RecordPath))
        {
            // The interrupted attempt's record stays beside the new one.
            File.Copy(journal.RecordPath, Path.Combine(runDirectory, $"run.interrupted-{record.Resumed}.json"), overwrite: true);
        }

        await journal.RunStartedAsync(runDirectory).ConfigureAwait(false);

        using var run = new PipelineRun(stack, journal, console, options, cancellationToken, time);
        Exception? failure = null;
        try
        {
            // Images and connections first: a stack that cannot run steps fails before any step starts.
            await stack.PrepareAsync(console, cancellationToken).ConfigureAwait(false);
            if (options.Resume is not null)
            {
                console.Info($"  resuming: step calls completed before the interruption are reused");
                await stack.CleanUpRunAsync(runId, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            failure = e;
        }

        var previous = PipelineRun.Current;
        PipelineRun.Current = run;
        try
        {
            if (failure is null)
            {
                await pipeline.Run(run.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            PipelineRun.Current = previous;
        }

        // Steps the pipeline started but did not await still belong to the run.
        try
        {
            await Task.WhenAll(run.Submitted).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure ??= e;
        }

        // Every step call has ended: the record is read here, and changed only through the journal.
        var status = failure switch
        {
            null => RunStatus.Succeeded,
            _ when cancellationToken.IsCancellationRequested => RunStatus.Cancelled,
            _ => RunStatus.Failed,
        };
        var error = failure is null ? null : FirstStepFailure(record) ?? Describe(failure);
        await journal.RunFinishedAsync(status, error, ReportWriter is { } writeReport ? finished => writeReport(finished, runDirectory) : null).ConfigureAwait(false);
        return record;
    }

    /// <summary>The step that failed first (its own failure, not a step stopped or skipped because of it).</summary>
    private static string? FirstStepFailure(RunRecord record)
    {
        var first = record.FailedFirst is { } id ? record.Steps.FirstOrDefault(s => s.InvocationId == id) : null;
        first ??= record.Steps
            .Where(s => s.Status is StepStatus.Failed or StepStatus.TimedOut)
            .OrderBy(s => s.FinishedAt)
            .FirstOrDefault();
        return first is null ? null : $"Step '{first.InvocationId}' failed first: {first.Error}";
    }

    private static string Describe(Exception failure) => failure switch
    {
        StepFailedException step => step.Message,
        BackendUnavailableException or ArtifactStoreUnavailableException => failure.Message,
        OperationCanceledException => "Cancelled.",
        _ => $"The pipeline method threw {failure.GetType().FullName}: {failure.Message}",
    };
}
