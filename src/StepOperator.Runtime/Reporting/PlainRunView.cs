using System.IO;
using StepOperator.Runs;

namespace StepOperator.Reporting;

/// <summary>A run as plain lines, one per event: for logs, pipes and <c>--no-color</c>.</summary>
internal sealed class PlainRunView(TextWriter output, TextWriter error) : IRunView
{
    public void RunStarted(RunRecord run, string runDirectory)
    {
        Write(output, $"Run {run.RunId}: pipeline '{run.Pipeline}' on stack '{run.Stack}'");
        Write(output, $"  run directory: {runDirectory}");
    }

    public void Message(string text, bool isProblem) => Write(isProblem ? error : output, text);

    public void StepLine(string invocationId, string line, bool isError) =>
        Write(isError ? error : output, $"[{invocationId}] {line}");

    public void StepChanged(StepRecord step, StepEvent change, string? detail)
    {
        var id = step.InvocationId;
        switch (change)
        {
            case StepEvent.Queued:
                Write(output, $". {id}: waiting for a free slot ({detail})");
                break;
            case StepEvent.Started:
                var attempt = step.Attempts.Count > 1 ? $" (attempt {step.Attempts.Count})" : string.Empty;
                var why = step.Attempts.Count == 1 && step.Cache is { Hit: false } cache ? $" (not cached: {cache.Reason})" : string.Empty;
                Write(output, $"> {id}: started on '{step.StepOperator}'{attempt}{why}");
                break;
            case StepEvent.Retrying:
                Write(error, $"~ {id}: {detail}");
                break;
            case StepEvent.Succeeded:
                Write(output, $"< {id}: succeeded in {step.DurationSeconds:0.0}s");
                break;
            case StepEvent.Cached:
                Write(output, $"= {id}: {step.Cache?.Reason ?? "cached"}");
                break;
            case StepEvent.Skipped:
                Write(error, $"- {id}: not run, because '{detail}' did not succeed");
                break;
            default:
                Write(error, $"x {id}: {step.Error}");
                break;
        }
    }

    public void RunFinished(RunRecord run, string recordPath)
    {
        // The step calls as a fixed-width table, then what failed and its last lines, then the outcome.
        RunSummary.WritePlain(output, error, run);
        var summary = RunSummary.Headline(run);
        if (run.Status == RunStatus.Succeeded)
        {
            Write(output, summary);
        }
        else
        {
            Write(error, summary);
            Write(error, $"  {run.Error}");
        }

        Write(output, $"  record: {recordPath}");
        if (run.Report is { } report)
        {
            Write(output, $"  report: {report}");
        }
    }

    private static void Write(TextWriter writer, string line)
    {
        writer.WriteLine(line);
        writer.Flush();
    }
}
