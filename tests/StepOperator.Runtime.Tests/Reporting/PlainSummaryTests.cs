using StepOperator.Reporting;
using StepOperator.Runs;

namespace StepOperator.Runtime.Tests.Reporting;

/// <summary>The plain view's end of run: its lines as before, a fixed-width table, and what failed.</summary>
public class PlainSummaryTests
{
    [Fact]
    public void A_succeeded_run_prints_a_fixed_width_table_and_its_summary_lines()
    {
        var run = SampleRuns.Succeeded();
        run.Report = "/runs/x/report.md";
        var (output, error) = Finish(run, "/runs/x/run.json");

        var lines = Lines(output);
        var header = lines.Single(l => l.StartsWith("Step ", StringComparison.Ordinal));
        Assert.Matches("^Step +Status +Placement +Duration +Cache +Attempts +Exit code +Reason$", header);
        var rule = lines[lines.IndexOf(header) + 1];
        Assert.Matches("^-+( +-+)+$", rule);

        var train = lines.Single(l => l.StartsWith("Train ", StringComparison.Ordinal));
        var dataset = lines.Single(l => l.StartsWith("MakeDataset ", StringComparison.Ordinal));

        // Every column starts where its header does.
        foreach (var (column, value) in new[] { ("Status", "cached"), ("Placement", "gpu"), ("Cache", "hit (run " + SampleRuns.EarlierRun + ")") })
        {
            Assert.Equal(header.IndexOf(column, StringComparison.Ordinal), train.IndexOf(value, StringComparison.Ordinal));
        }

        Assert.Equal(header.IndexOf("Status", StringComparison.Ordinal), dataset.IndexOf("succeeded", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("Cache", StringComparison.Ordinal), dataset.IndexOf("ran: no earlier run", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("Duration", StringComparison.Ordinal), dataset.IndexOf("1.0s", StringComparison.Ordinal));

        // The lines other code and people look for, unchanged.
        Assert.Contains("Run 20250301-120000-abcd succeeded in 4.2s: 2/2 steps succeeded (1 cached)", lines);
        Assert.Contains("  record: /runs/x/run.json", lines);
        Assert.Contains("  report: /runs/x/report.md", lines);
        Assert.Equal(string.Empty, error);
        Assert.DoesNotContain('\u001b', output);
    }

    [Fact]
    public void A_failed_run_prints_the_exit_code_reason_and_last_lines_of_the_failed_step()
    {
        var run = SampleRuns.Failed();
        var (output, error) = Finish(run, "/runs/y/run.json");

        var table = Lines(output);
        var header = table.Single(l => l.StartsWith("Step ", StringComparison.Ordinal));
        var train = table.Single(l => l.StartsWith("Train ", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("Exit code", StringComparison.Ordinal), train.IndexOf("137", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("Reason", StringComparison.Ordinal), train.IndexOf("out of memory", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("Attempts", StringComparison.Ordinal), train.IndexOf('3'));
        var sidecar = table.Single(l => l.StartsWith("Sidecar ", StringComparison.Ordinal));
        Assert.EndsWith("terminated", sidecar, StringComparison.Ordinal);
        Assert.Contains("  record: /runs/y/run.json", table);

        var problems = Lines(error);
        Assert.Contains("Failed first: Train", problems);
        var failure = problems.IndexOf("x Train: failed: out of memory (exit code 137)");
        Assert.True(failure >= 0, error);
        Assert.Equal("  out of memory (limit 32000 MB)", problems[failure + 1]);
        Assert.Equal("  last 20 lines of output:", problems[failure + 2]);
        Assert.Equal(Enumerable.Range(6, 20).Select(i => $"  | epoch {i}: loss 0.{i:00}"), problems.Skip(failure + 3).Take(20));

        // Train, which failed first, comes before Sidecar, which it stopped.
        Assert.True(problems.IndexOf("x Sidecar: cancelled: terminated") > failure, error);
        Assert.Contains("Not run, because a step they depend on did not succeed: Evaluate", problems);
        Assert.Contains("Run 20250301-130000-f00d failed in 95.0s: 1/4 steps succeeded", problems);
        Assert.Contains("  Step 'Train' failed: out of memory (limit 32000 MB)", problems);
        Assert.DoesNotContain('\u001b', output + error);
    }

    [Fact]
    public void A_step_that_threw_is_summarized_without_repeating_the_stack_trace_its_output_showed()
    {
        var (_, error) = Finish(SampleRuns.Threw(), "/runs/z/run.json");
        var problems = Lines(error);

        var failure = problems.IndexOf("x EmbedDocuments: failed: exception (exit code 1)");
        Assert.True(failure >= 0, error);
        Assert.Equal("  System.InvalidOperationException: no model named 'mini'", problems[failure + 1]);
        Assert.Equal("  last 2 lines of output before the exception (its stack trace is above):", problems[failure + 2]);
        Assert.Equal(["  | loading 3 documents", "  | looking up model 'mini'"], problems.Skip(failure + 3).Take(2));

        // The step's own lines went by as it printed them, the trace among them: the summary does not print it again.
        Assert.DoesNotContain("at Words.Steps.EmbedDocuments", error, StringComparison.Ordinal);
        Assert.Single(problems, p => p.Contains("exit code 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Terminal_escapes_and_line_breaks_in_cells_do_not_reach_the_plain_table()
    {
        var run = SampleRuns.Succeeded();
        run.Steps.Add(SampleRuns.Ran("Odd", "local", StepPlacement.Orchestrator, 1, 2, "input 'x'\nchanged \u001b[31m(red)\u001b[0m"));

        var (output, _) = Finish(run, "run.json");

        var odd = Lines(output).Single(l => l.StartsWith("Odd ", StringComparison.Ordinal));
        Assert.Contains("ran: input 'x' changed (red)", odd, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output);
    }

    private static (string Output, string Error) Finish(RunRecord run, string recordPath)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        new PlainRunView(output, error).RunFinished(run, recordPath);
        return (output.ToString(), error.ToString());
    }

    private static List<string> Lines(string text) => text.Split('\n').ToList();
}
