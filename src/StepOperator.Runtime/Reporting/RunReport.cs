using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using StepOperator.Runs;

namespace StepOperator.Reporting;

/// <summary>
/// The report of a finished run, written beside run.json as report.md and report.html (the same
/// content): the run's header, a table of its step calls (timings, placements, cache decisions,
/// attempts, status), its failures (the step that failed first, and for each failed call the exit code,
/// the reason, the error and its last log lines) and its retries.
/// </summary>
internal static class RunReport
{
    public const string MarkdownFileName = "report.md";

    public const string HtmlFileName = "report.html";

    /// <summary>Writes report.md and report.html into <paramref name="runDirectory"/>; returns the path of report.md.</summary>
    public static string Write(RunRecord run, string runDirectory)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        Directory.CreateDirectory(runDirectory);
        var document = Build(run);
        var markdown = Path.Combine(runDirectory, MarkdownFileName);
        WriteAtomically(markdown, document.ToMarkdown());
        WriteAtomically(Path.Combine(runDirectory, HtmlFileName), document.ToHtml());
        return markdown;
    }

    /// <summary>The report as Markdown.</summary>
    public static string Markdown(RunRecord run) => Build(run).ToMarkdown();

    /// <summary>The report as a self-contained HTML page.</summary>
    public static string Html(RunRecord run) => Build(run).ToHtml();

    internal static ReportDocument Build(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var status = run.Status.ToString().ToLowerInvariant();
        var document = new ReportDocument($"Run {run.RunId}: {status}");
        document.Heading(1, $"Run {run.RunId}: {status}");

        var header = new List<string>
        {
            $"Pipeline: {run.Pipeline}",
            $"Stack: {run.Stack} (artifact store {run.ArtifactStore})",
            $"Status: {status}",
            $"Started: {Timestamp(run.StartedAt)}",
        };
        if (run.FinishedAt is { } finished)
        {
            header.Add($"Finished: {Timestamp(finished)}");
            header.Add($"Duration: {RunSummary.Duration((finished - run.StartedAt).TotalSeconds)}");
        }

        header.Add(run.CacheEnabled ? "Cache: on" : "Cache: off (--no-cache)");
        header.Add(run.MaxParallelSteps is { } limit
            ? string.Create(CultureInfo.InvariantCulture, $"Parallelism: at most {limit} step {(limit == 1 ? "call" : "calls")} at once")
            : "Parallelism: no limit");
        if (run.Resumed > 0)
        {
            header.Add(string.Create(CultureInfo.InvariantCulture, $"Resumed: {run.Resumed} {(run.Resumed == 1 ? "time" : "times")}"));
        }

        header.Add($"Steps: {Counts(run)}");
        document.Bullets(header);
        if (!string.IsNullOrWhiteSpace(run.Error))
        {
            document.Paragraph("Error:").Code([run.Error]);
        }

        document.Heading(2, "Steps");
        if (run.Steps.Count == 0)
        {
            document.Paragraph("The run made no step calls.");
        }
        else
        {
            document.Table(
                ["Step", "Status", "Placement", "Started", "Duration", "Cache", "Attempts", "Exit code", "Reason"],
                run.Steps.Select(step =>
                {
                    var row = RunSummary.Row(step);
                    return (IReadOnlyList<string>)[row.Step, row.Status, row.Placement, Offset(run, step.StartedAt), row.Duration, row.Cache, row.Attempts, row.ExitCode, row.Reason];
                }));
        }

        WriteFailures(document, run);
        WriteRetries(document, run);
        return document;
    }

    private static void WriteFailures(ReportDocument document, RunRecord run)
    {
        document.Heading(2, "Failures");
        var failures = RunSummary.Failures(run);
        var skipped = RunSummary.Skipped(run);
        if (failures.Count == 0 && skipped.Count == 0)
        {
            document.Paragraph("No step failed.");
            return;
        }

        if (run.FailedFirst is { } first)
        {
            document.Paragraph($"Failed first: {first}.");
        }

        foreach (var step in failures)
        {
            document.Heading(3, step.InvocationId);
            var facts = new List<string>
            {
                $"Status: {RunSummary.Describe(step.Status)}",
                $"Reason: {(step.Failure is { } kind ? RunSummary.Describe(kind) : "unknown")}",
                $"Exit code: {(RunSummary.ExitCodeOf(step) is { } code ? code.ToString(CultureInfo.InvariantCulture) : "none")}",
                $"Placement: {RunSummary.Placement(step)}",
                string.Create(CultureInfo.InvariantCulture, $"Attempts: {step.Attempts.Count}"),
            };
            if (step.InvocationId == run.FailedFirst)
            {
                facts.Add("Failed first: yes");
            }

            document.Bullets(facts);
            if (!string.IsNullOrWhiteSpace(step.Error))
            {
                document.Paragraph("Error:").Code([step.Error]);
            }

            if (step.LastLines is { Count: > 0 } lines)
            {
                document.Paragraph(string.Create(CultureInfo.InvariantCulture, $"Last {lines.Count} {(lines.Count == 1 ? "line" : "lines")} of output:")).Code(lines);
            }
            else
            {
                document.Paragraph("No output was captured.");
            }
        }

        if (skipped.Count > 0)
        {
            document.Paragraph($"Not run, because a step they depend on did not succeed: {string.Join(", ", skipped.Select(s => s.InvocationId))}.");
        }
    }

    private static void WriteRetries(ReportDocument document, RunRecord run)
    {
        document.Heading(2, "Retries");
        var retried = RunSummary.Retried(run);
        if (retried.Count == 0)
        {
            document.Paragraph("No step was retried.");
            return;
        }

        foreach (var step in retried)
        {
            document.Heading(3, string.Create(CultureInfo.InvariantCulture, $"{step.InvocationId}: {step.Attempts.Count} attempts, {RunSummary.Describe(step.Status)}"));
            document.Table(
                ["Attempt", "Started", "Duration", "Exit code", "Result", "Error"],
                step.Attempts.Select(attempt => (IReadOnlyList<string>)
                [
                    attempt.Number.ToString(CultureInfo.InvariantCulture),
                    Offset(run, attempt.StartedAt),
                    RunSummary.Duration(attempt.FinishedAt is { } end ? (end - attempt.StartedAt).TotalSeconds : null),
                    attempt.ExitCode is { } code ? code.ToString(CultureInfo.InvariantCulture) : "-",
                    RunSummary.Outcome(attempt, step),
                    string.IsNullOrEmpty(attempt.Error) ? "-" : attempt.Error,
                ]));
        }
    }

    private static string Counts(RunRecord run)
    {
        if (run.Steps.Count == 0)
        {
            return "none";
        }

        var parts = run.Steps.GroupBy(s => s.Status).OrderBy(g => (int)g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {RunSummary.Describe(g.Key)}"));
        return string.Create(CultureInfo.InvariantCulture, $"{run.Steps.Count} ({string.Join(", ", parts)})");
    }

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>When a step or attempt started, as time since the run started: "+1.2s".</summary>
    private static string Offset(RunRecord run, DateTimeOffset? started) =>
        started is { } time ? "+" + RunSummary.Duration((time - run.StartedAt).TotalSeconds) : "-";

    private static void WriteAtomically(string path, string content)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            File.WriteAllText(temporary, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
