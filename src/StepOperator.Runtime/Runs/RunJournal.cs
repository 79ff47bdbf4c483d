using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using StepOperator.Artifacts;
using StepOperator.Stacks;

namespace StepOperator.Runs;

/// <summary>
/// The one owner of a run's state while it runs. Every step event goes through it: it applies the event to the run
/// record, saves run.json (at once, or shortly after for frequent small changes such as log positions) and then tells
/// the view. Nothing else changes the record during the run, and run.json is serialized under the same lock the events
/// are applied under, so a saved record never holds half an event.
/// </summary>
/// <remarks>
/// A step call's own flow reads its <see cref="StepRecord"/> without the lock: only that flow's events change it,
/// and they are applied before the journal's methods return.
/// </remarks>
internal sealed class RunJournal
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _callsPerStep = new(StringComparer.Ordinal);
    private readonly RunRecord _record;
    private readonly RunConsole _console;
    private readonly RunRecorder _recorder;
    private readonly TimeProvider _time;

    /// <param name="record">The run's record, as the run starts.</param>
    /// <param name="runDirectory">Where run.json is kept; null to keep the record in memory only (plans).</param>
    /// <param name="console">The view events are shown in.</param>
    /// <param name="time">The clock events are timed by (default the system's).</param>
    public RunJournal(RunRecord record, string? runDirectory, RunConsole console, TimeProvider? time = null)
    {
        _record = record;
        _console = console;
        _time = time ?? TimeProvider.System;
        _recorder = new RunRecorder(runDirectory, Serialize, _time);
    }

    /// <summary>The record. Read it freely once the run has ended; while it runs, only what does not change (ids, names).</summary>
    public RunRecord Record => _record;

    public string RunId => _record.RunId;

    public string Pipeline => _record.Pipeline;

    /// <summary>run.json's path (empty for a plan).</summary>
    public string RecordPath => _recorder.Path;

    /// <summary>The step call that failed first, once one has.</summary>
    public string? FailedFirst
    {
        get
        {
            lock (_gate)
            {
                return _record.FailedFirst;
            }
        }
    }

    /// <summary>The run has started: run.json is written and the view shows the run.</summary>
    public async Task RunStartedAsync(string runDirectory)
    {
        await _recorder.SaveAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _console.RunStarted(_record, runDirectory);
        }
    }

    /// <summary>
    /// The run has ended (every step call has): records how, writes the run report with <paramref name="writeReport"/>
    /// (a report that cannot be written is a problem shown, not a failure), saves run.json and shows the summary.
    /// </summary>
    public async Task RunFinishedAsync(RunStatus status, string? error, Func<RunRecord, string>? writeReport)
    {
        lock (_gate)
        {
            _record.FinishedAt = _time.GetUtcNow();
            _record.Status = status;
            _record.Error = error;
        }

        try
        {
            // Every step call has ended: nothing changes the record while the report reads it.
            var report = writeReport?.Invoke(_record);
            lock (_gate)
            {
                _record.Report = report;
            }
        }
        catch (IOException e)
        {
            _console.Problem($"  the run report could not be written: {e.Message}");
        }

        await _recorder.SaveAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _console.RunFinished(_record, _recorder.Path);
        }
    }

    /// <summary>
    /// A step call was submitted: its record is added with the call's invocation id (the step's
    /// <paramref name="safeName"/>, then "name.2", "name.3" for later calls of the same step).
    /// </summary>
    public StepRecord CallSubmitted(StepDefinition step, string safeName, string stepOperator)
    {
        lock (_gate)
        {
            var call = _callsPerStep.GetValueOrDefault(step.Name) + 1;
            _callsPerStep[step.Name] = call;
            var record = new StepRecord
            {
                InvocationId = call == 1 ? safeName : $"{safeName}.{call}",
                Step = step.Name,
                Placement = step.Placement,
                StepOperator = stepOperator,
            };
            _record.Steps.Add(record);
            return record;
        }
    }

    /// <summary>An input of the call is known: an upstream output, or a value stored for it.</summary>
    public void InputRecorded(StepRecord step, string parameter, ArtifactRef reference)
    {
        lock (_gate)
        {
            step.Inputs[parameter] = reference;
        }
    }

    /// <summary>Whether the call reuses an earlier output was decided (for a call that runs, or in a plan).</summary>
    public void CacheDecided(StepRecord step, CacheDecision decision)
    {
        lock (_gate)
        {
            step.Cache = decision;
        }
    }

    /// <summary>The call reuses an earlier output instead of running.</summary>
    public async Task ReusedAsync(StepRecord step, CacheDecision decision, ArtifactRef? output)
    {
        lock (_gate)
        {
            step.Cache = decision;
            step.Output = output;
            step.StartedAt = step.FinishedAt = _time.GetUtcNow();
            step.Status = StepStatus.Cached;
        }

        await SavedThenShownAsync(step, StepEvent.Cached).ConfigureAwait(false);
    }

    /// <summary>Where the call's output will be (null for a step that returns nothing).</summary>
    public void OutputPlaced(StepRecord step, ArtifactRef? output)
    {
        lock (_gate)
        {
            step.Output = output;
        }
    }

    /// <summary>The call waits for a free slot (nothing in the record changes; the view shows it).</summary>
    public void Queued(StepRecord step, string detail)
    {
        lock (_gate)
        {
            _console.StepChanged(step, StepEvent.Queued, detail);
        }
    }

    /// <summary>Attempt <paramref name="number"/> of the call starts on its step operator.</summary>
    public async Task<AttemptRecord> AttemptStartedAsync(StepRecord step, int number)
    {
        var attempt = new AttemptRecord { Number = number, StartedAt = _time.GetUtcNow() };
        lock (_gate)
        {
            step.Attempts.Add(attempt);
            step.Status = StepStatus.Running;
            step.StartedAt ??= attempt.StartedAt;
        }

        await SavedThenShownAsync(step, StepEvent.Started).ConfigureAwait(false);
        return attempt;
    }

    /// <summary>
    /// The backend named the attempt, or read further in its logs: saved at once when the backend first names it (a
    /// resumed run must find it), shortly after for later log positions.
    /// </summary>
    public async Task BackendTrackedAsync(AttemptRecord attempt, BackendCall call)
    {
        bool first;
        lock (_gate)
        {
            first = attempt.Backend?.Id != call.Id;
            attempt.Backend = call;
        }

        if (first)
        {
            await _recorder.SaveAsync().ConfigureAwait(false);
        }
        else
        {
            _recorder.SaveSoon();
        }
    }

    /// <summary>The attempt's step operator reported how it ended.</summary>
    public void AttemptEnded(StepRecord step, AttemptRecord attempt, StepExit exit)
    {
        lock (_gate)
        {
            attempt.FinishedAt = _time.GetUtcNow();
            attempt.ExitCode = exit.ExitCode;
            step.ProcessId = exit.ProcessId;
            step.ExitCode = exit.ExitCode;
            step.AppliedLimits = exit.AppliedLimits is null ? null : new Dictionary<string, long>(exit.AppliedLimits);
        }
    }

    /// <summary>The attempt failed and another follows (<paramref name="detail"/>: the failure and the delay, for the view).</summary>
    public async Task RetryingAsync(StepRecord step, AttemptRecord attempt, FailureKind failure, string reason, string detail)
    {
        lock (_gate)
        {
            attempt.Failure = failure;
            attempt.Error = reason;
            attempt.Retried = true;
        }

        await SavedThenShownAsync(step, StepEvent.Retrying, detail).ConfigureAwait(false);
    }

    /// <summary>The call succeeded.</summary>
    public async Task SucceededAsync(StepRecord step)
    {
        lock (_gate)
        {
            Finish(step, StepStatus.Succeeded, null, null);
        }

        await SavedThenShownAsync(step, StepEvent.Succeeded).ConfigureAwait(false);
    }

    /// <summary>
    /// The call failed, timed out or was stopped. <paramref name="lastAttempt"/> (when one ended this way) records the same
    /// failure; <paramref name="lastLines"/> are what the step printed last. A failure that <paramref name="failsTheRun"/>
    /// is the run's first failure when no other call failed before it; returns true when it is (the run then stops the others).
    /// </summary>
    public async Task<bool> StepFailedAsync(
        StepRecord step,
        StepStatus status,
        FailureKind failure,
        string reason,
        bool failsTheRun,
        AttemptRecord? lastAttempt = null,
        List<string>? lastLines = null)
    {
        var first = false;
        lock (_gate)
        {
            if (lastAttempt is not null)
            {
                lastAttempt.Failure = failure;
                lastAttempt.Error = reason;
            }

            if (lastLines is not null)
            {
                step.LastLines = lastLines;
            }

            Finish(step, status, failure, reason);
            if (failsTheRun && _record.FailedFirst is null)
            {
                _record.FailedFirst = step.InvocationId;
                first = true;
            }
        }

        await SavedThenShownAsync(step, StepEvent.Failed).ConfigureAwait(false);
        return first;
    }

    /// <summary>The call did not run because the call <paramref name="upstream"/> it depends on did not succeed.</summary>
    public async Task SkippedAsync(StepRecord step, string upstream)
    {
        lock (_gate)
        {
            Finish(step, StepStatus.Skipped, FailureKind.DependencyFailed, $"not run: step '{upstream}' it depends on did not succeed");
        }

        await SavedThenShownAsync(step, StepEvent.Skipped, upstream).ConfigureAwait(false);
    }

    /// <summary>Ends the call's record; under the lock.</summary>
    private void Finish(StepRecord step, StepStatus status, FailureKind? failure, string? error)
    {
        step.Status = status;
        step.Failure = failure;
        step.Error = error;
        step.FinishedAt = _time.GetUtcNow();
    }

    /// <summary>Saves run.json, then shows the event (a record that cannot be saved is not shown as changed: the failure propagates).</summary>
    private async Task SavedThenShownAsync(StepRecord step, StepEvent change, string? detail = null)
    {
        await _recorder.SaveAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _console.StepChanged(step, change, detail);
        }
    }

    private string Serialize()
    {
        lock (_gate)
        {
            return JsonSerializer.Serialize(_record, RunRecordWriterJson.Default.RunRecord);
        }
    }
}
