using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using StepOperator.Execution;
using StepOperator.Runs;

namespace StepOperator.Reporting;

/// <summary>One step call in the end-of-run summary, every column already in words.</summary>
/// <param name="Step">The call's invocation id (the step's name, with ".2", ".3" for later calls).</param>
/// <param name="Status">pending, running, succeeded, cached, failed, timed out, cancelled, skipped.</param>
/// <param name="Placement">The step operator it ran on (or its placement when none was chosen).</param>
/// <param name="Duration">How long it ran, or "-".</param>
/// <param name="Cache">"hit (run X)", or "ran: " and why it was not cached, or "-".</param>
/// <param name="Attempts">How many attempts it had, or "-" when it never started.</param>
/// <param name="ExitCode">The exit code of a call that did not succeed, or "-".</param>
/// <param name="Reason">Why a call did not succeed (out of memory, timeout, ...), or "-".</param>
internal sealed record StepSummary(string Step, string Status, string Placement, string Duration, string Cache, string Attempts, string ExitCode, string Reason);

/// <summary>
/// The words and figures the end-of-run summary, the live view and the run report share, so the three
/// say the same thing the same way.
/// </summary>
internal static class RunSummary
{
    /// <summary>The summary table's column headers, in the order of <see cref="StepSummary"/>.</summary>
    public static IReadOnlyList<string> Headers { get; } = ["Step", "Status", "Placement", "Duration", "Cache", "Attempts", "Exit code", "Reason"];

    private const string None = "-";

    /// <summary>One row per step call, in the order the calls were made.</summary>
    public static IReadOnlyList<StepSummary> Rows(RunRecord run) => run.Steps.Select(Row).ToList();

    public static StepSummary Row(StepRecord step)
    {
        var failed = !IsSuccess(step.Status);
        return new StepSummary(
            step.InvocationId,
            Describe(step.Status),
            Placement(step),
            Duration(step.DurationSeconds),
            Cache(step.Cache),
            step.Attempts.Count == 0 ? None : step.Attempts.Count.ToString(CultureInfo.InvariantCulture),
            failed && ExitCodeOf(step) is { } code ? code.ToString(CultureInfo.InvariantCulture) : None,
            failed && step.Failure is { } kind ? Describe(kind) : None);
    }

    /// <summary>The first line of the run's summary: "Run X failed in 12.3s: 2/3 steps succeeded (1 cached)".</summary>
    public static string Headline(RunRecord run)
    {
        var finished = run.Steps.Count(s => IsSuccess(s.Status));
        var cached = run.Steps.Count(s => s.Status == StepStatus.Cached);
        var seconds = ((run.FinishedAt ?? run.StartedAt) - run.StartedAt).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"Run {run.RunId} {run.Status.ToString().ToLowerInvariant()} in {seconds:0.0}s: {finished}/{run.Steps.Count} steps succeeded") +
            (cached > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({cached} cached)") : string.Empty);
    }

    /// <summary>A failure kind as a report names it: "out of memory", "timeout", "terminated", "exception", ...</summary>
    public static string Describe(FailureKind kind) => kind switch
    {
        FailureKind.Exception => "exception",
        FailureKind.ExitCode => "non-zero exit code",
        FailureKind.OutOfMemory => "out of memory",
        FailureKind.Timeout => "timeout",
        FailureKind.Terminated => "terminated",
        FailureKind.Backend => "backend failure",
        FailureKind.DependencyFailed => "dependency failed",
        FailureKind.Orchestration => "orchestration error",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>A step status in words: "succeeded", "timed out", ...</summary>
    public static string Describe(StepStatus status) => status switch
    {
        StepStatus.TimedOut => "timed out",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>Where the call ran: its step operator's name, else its placement.</summary>
    public static string Placement(StepRecord step) =>
        string.IsNullOrEmpty(step.StepOperator) ? step.Placement.ToString().ToLowerInvariant() : step.StepOperator;

    /// <summary>The cache decision: "hit (run X)", "hit (resumed)", "ran: code changed", or "-" when none was made.</summary>
    public static string Cache(CacheDecision? decision)
    {
        if (decision is null)
        {
            return None;
        }

        if (!decision.Hit)
        {
            return "ran: " + decision.Reason;
        }

        if (decision.Reason.StartsWith("resumed", StringComparison.OrdinalIgnoreCase))
        {
            return "hit (resumed)";
        }

        return decision.SourceRun is { } source ? $"hit (run {source})" : "hit";
    }

    /// <summary>A duration: "0.4s", "12.3s", "2m 05s", "1h 02m"; "-" when unknown.</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is not { } value || double.IsNaN(value))
        {
            return None;
        }

        value = Math.Max(0, value);
        if (value < 60)
        {
            return value.ToString("0.0", CultureInfo.InvariantCulture) + "s";
        }

        var span = TimeSpan.FromSeconds(value);
        return span.TotalHours < 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m {span.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h {span.Minutes:00}m");
    }

    /// <summary>The exit code of the call, or of its last attempt that had one.</summary>
    public static int? ExitCodeOf(StepRecord step) =>
        step.ExitCode ?? step.Attempts.LastOrDefault(a => a.ExitCode is not null)?.ExitCode;

    /// <summary>
    /// The calls whose failure a report explains (they ran, or tried to, and did not succeed): the one that
    /// failed first, then the others in call order. Calls skipped because a dependency failed are not among them.
    /// </summary>
    public static IReadOnlyList<StepRecord> Failures(RunRecord run)
    {
        var failed = run.Steps.Where(s => !IsSuccess(s.Status) && s.Status is not (StepStatus.Pending or StepStatus.Running or StepStatus.Skipped)
            && s.Failure != FailureKind.DependencyFailed).ToList();
        var first = failed.FindIndex(s => s.InvocationId == run.FailedFirst);
        if (first > 0)
        {
            var step = failed[first];
            failed.RemoveAt(first);
            failed.Insert(0, step);
        }

        return failed;
    }

    /// <summary>The calls that did not run because a step they depend on did not succeed.</summary>
    public static IReadOnlyList<StepRecord> Skipped(RunRecord run) =>
        run.Steps.Where(s => s.Status == StepStatus.Skipped || s.Failure == FailureKind.DependencyFailed).ToList();

    /// <summary>The calls that had more than one attempt, or whose attempt was retried.</summary>
    public static IReadOnlyList<StepRecord> Retried(RunRecord run) =>
        run.Steps.Where(s => s.Attempts.Count > 1 || s.Attempts.Any(a => a.Retried)).ToList();

    /// <summary>The attempt's outcome: "succeeded", "failed: backend failure, retried", ...</summary>
    public static string Outcome(AttemptRecord attempt, StepRecord step)
    {
        if (attempt.Failure is { } kind)
        {
            return "failed: " + Describe(kind) + (attempt.Retried ? ", retried" : string.Empty);
        }

        if (attempt.FinishedAt is null)
        {
            return ReferenceEquals(attempt, step.Attempts.LastOrDefault()) ? Describe(step.Status) : "unfinished";
        }

        return ReferenceEquals(attempt, step.Attempts.LastOrDefault()) && !IsSuccess(step.Status) ? Describe(step.Status) : "succeeded";
    }

    /// <summary>The summary as plain text: a fixed-width table on <paramref name="output"/>, and on <paramref name="error"/> what failed and its last lines.</summary>
    internal static void WritePlain(TextWriter output, TextWriter error, RunRecord run)
    {
        if (run.Steps.Count > 0)
        {
            output.WriteLine();
            foreach (var line in PlainTable(Rows(run)))
            {
                output.WriteLine(line);
            }

            output.Flush();
        }

        var failures = Failures(run);
        var skipped = Skipped(run);
        if (failures.Count == 0 && skipped.Count == 0)
        {
            return;
        }

        error.WriteLine();
        if (run.FailedFirst is { } first)
        {
            error.WriteLine($"Failed first: {first}");
        }

        foreach (var step in failures)
        {
            error.WriteLine($"x {step.InvocationId}: {FailureLine(step)}");
            if (!string.IsNullOrWhiteSpace(step.Error))
            {
                foreach (var line in TextCleaning.Lines(step.Error))
                {
                    error.WriteLine($"  {line}");
                }
            }

            // These lines went by as the step printed them: the exception's report among them (its stack trace) is
            // not repeated, only what the step printed before it.
            var lines = OutputBeforeFailureReport(step);
            if (lines.Count > 0)
            {
                error.WriteLine($"  last {lines.Count} {(lines.Count == 1 ? "line" : "lines")} of output{(lines.Count < step.LastLines!.Count ? " before the exception (its stack trace is above)" : string.Empty)}:");
                foreach (var line in lines)
                {
                    error.WriteLine($"  | {TextCleaning.Line(line)}");
                }
            }
            else if (step.LastLines is { Count: > 0 })
            {
                error.WriteLine("  (its stack trace is above, in the step's output)");
            }
        }

        if (skipped.Count > 0)
        {
            error.WriteLine($"Not run, because a step they depend on did not succeed: {string.Join(", ", skipped.Select(s => s.InvocationId))}");
        }

        error.Flush();
    }

    /// <summary>
    /// Where the step process's report of its exception (<see cref="StepProcess.FailureHeader"/> and the stack trace
    /// after it) starts in the call's last lines; -1 when they do not hold it.
    /// </summary>
    public static int FailureReportStart(StepRecord step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var header = StepProcess.FailureHeader(step.InvocationId);
        return step.LastLines?.FindLastIndex(line => line.StartsWith(header, StringComparison.Ordinal)) ?? -1;
    }

    /// <summary>The call's last lines up to its exception's report (all of them when they hold none).</summary>
    public static IReadOnlyList<string> OutputBeforeFailureReport(StepRecord step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var lines = step.LastLines ?? [];
        return FailureReportStart(step) is var start and >= 0 ? lines.Take(start).ToList() : lines;
    }

    /// <summary>"failed: out of memory (exit code 137)", "cancelled: terminated", "timed out: timeout".</summary>
    public static string FailureLine(StepRecord step)
    {
        var text = new StringBuilder(Describe(step.Status));
        if (step.Failure is { } kind)
        {
            text.Append(": ").Append(Describe(kind));
        }

        // Said once: a reason that names the exit code already (an out-of-memory kill) is not followed by it again.
        if (ExitCodeOf(step) is { } code && step.Error?.Contains(string.Create(CultureInfo.InvariantCulture, $"exit code {code}"), StringComparison.Ordinal) != true)
        {
            text.Append(CultureInfo.InvariantCulture, $" (exit code {code})");
        }

        return text.ToString();
    }

    /// <summary>Rows as fixed-width plain-text columns (no ANSI), a header and a rule first.</summary>
    internal static IReadOnlyList<string> PlainTable(IReadOnlyList<StepSummary> rows)
    {
        const int maxWidth = 60;
        var cells = rows.Select(r => new[] { r.Step, r.Status, r.Placement, r.Duration, r.Cache, r.Attempts, r.ExitCode, r.Reason }
            .Select(c => TextCleaning.Truncate(TextCleaning.Line(c), maxWidth)).ToArray()).ToList();
        var widths = Headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();

        string Format(IReadOnlyList<string> values) =>
            string.Join("  ", values.Select((v, i) => v.PadRight(widths[i]))).TrimEnd();

        var lines = new List<string> { Format(Headers.ToArray()), Format(widths.Select(w => new string('-', w)).ToArray()) };
        lines.AddRange(cells.Select(Format));
        return lines;
    }

    internal static bool IsSuccess(StepStatus status) => status is StepStatus.Succeeded or StepStatus.Cached;
}
