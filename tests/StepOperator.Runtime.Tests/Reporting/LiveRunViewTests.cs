using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Spectre.Console.Testing;
using StepOperator.Reporting;
using StepOperator.Runs;

namespace StepOperator.Runtime.Tests.Reporting;

/// <summary>The live view, rendered into Spectre's test console.</summary>
public class LiveRunViewTests
{
    [Fact]
    public void The_table_shows_each_call_with_its_status_placement_elapsed_time_and_last_line()
    {
        var clock = new ManualClock(SampleRuns.Start);
        using var console = new TestConsole().Width(160).Height(40);
        using var view = new LiveRunView(console, clock: clock);

        var queued = Step("Waiting", "local");
        view.StepChanged(queued, StepEvent.Queued, "at most 2 steps run at once");

        var running = Step("Train", "gpu");
        running.StartedAt = SampleRuns.Start;
        running.Attempts.Add(new AttemptRecord { Number = 1, StartedAt = SampleRuns.Start });
        view.StepChanged(running, StepEvent.Started, null);
        view.StepLine("Train", "epoch 1", isError: false);
        view.StepLine("Train", "epoch 2: \u001b[32mloss\u001b[0m 0.5", isError: false);

        var retrying = Step("Fetch", "gpu");
        retrying.StartedAt = SampleRuns.Start.AddSeconds(30);
        retrying.Attempts.Add(new AttemptRecord { Number = 1, StartedAt = SampleRuns.Start.AddSeconds(30) });
        view.StepChanged(retrying, StepEvent.Started, null);
        view.StepChanged(retrying, StepEvent.Retrying, "attempt 1 failed (sandbox preempted); attempt 2 of 3 in 5s");

        var succeeded = Step("MakeDataset", "local");
        succeeded.StartedAt = SampleRuns.Start;
        succeeded.Attempts.Add(new AttemptRecord { Number = 1, StartedAt = SampleRuns.Start });
        view.StepChanged(succeeded, StepEvent.Started, null);
        view.StepLine("MakeDataset", "wrote 400 samples", isError: false);
        succeeded.FinishedAt = SampleRuns.Start.AddSeconds(3.4);
        succeeded.Status = StepStatus.Succeeded;
        view.StepChanged(succeeded, StepEvent.Succeeded, null);

        var cached = Step("Report", "local");
        cached.Status = StepStatus.Cached;
        cached.Cache = new CacheDecision(true, "cached: output of run r1 reused") { SourceRun = "r1" };
        view.StepChanged(cached, StepEvent.Cached, null);

        var oom = Step("Big", "gpu");
        oom.StartedAt = SampleRuns.Start;
        view.StepChanged(oom, StepEvent.Started, null);
        oom.FinishedAt = SampleRuns.Start.AddSeconds(9);
        oom.Status = StepStatus.Failed;
        oom.Failure = FailureKind.OutOfMemory;
        oom.Error = "out of memory (limit 32000 MB)";
        view.StepChanged(oom, StepEvent.Failed, null);

        var stopped = Step("Side", "local");
        stopped.Status = StepStatus.Cancelled;
        stopped.Failure = FailureKind.Terminated;
        view.StepChanged(stopped, StepEvent.Failed, null);

        var skipped = Step("Evaluate", "local");
        skipped.Status = StepStatus.Skipped;
        view.StepChanged(skipped, StepEvent.Skipped, "Big");

        clock.Now = SampleRuns.Start.AddSeconds(75);
        var rows = RenderRows(view);

        AssertRow(rows, "Waiting", "queued", "local");
        AssertRow(rows, "Train", "running", "gpu", "1m 15s", "epoch 2: loss 0.5");
        AssertRow(rows, "Fetch", "retrying (attempt 2)", "gpu", "45.0s", "attempt 1 failed (sandbox preempted)");
        AssertRow(rows, "MakeDataset", "succeeded", "local", "3.4s", "wrote 400 samples");
        AssertRow(rows, "Report", "cached", "local", "cached: output of run r1 reused");
        AssertRow(rows, "Big", "failed (out of memory)", "gpu", "9.0s", "out of memory (limit 32000 MB)");
        AssertRow(rows, "Side", "cancelled", "local");
        AssertRow(rows, "Evaluate", "skipped", "local", "not run: 'Big' did not succeed");
        Assert.DoesNotContain(rows, r => r.Contains("epoch 1", StringComparison.Ordinal));

        // The elapsed time of a running call ticks; a finished one's stays.
        clock.Now = SampleRuns.Start.AddSeconds(80);
        rows = RenderRows(view);
        AssertRow(rows, "Train", "running", "1m 20s");
        AssertRow(rows, "MakeDataset", "succeeded", "3.4s");
    }

    [Fact]
    public void A_second_attempt_shows_its_number_and_a_long_last_line_is_cut_to_fit()
    {
        using var console = new TestConsole().Width(90).Height(30);
        using var view = new LiveRunView(console);
        var step = Step("Train", "gpu");
        step.Attempts.Add(new AttemptRecord { Number = 1, StartedAt = SampleRuns.Start, Retried = true });
        step.Attempts.Add(new AttemptRecord { Number = 2, StartedAt = SampleRuns.Start });
        view.StepChanged(step, StepEvent.Started, null);
        view.StepLine("Train", "start " + new string('x', 400) + " end", isError: false);

        var rows = RenderRows(view, console.Profile.Width);

        var row = rows.Single(r => r.Contains("Train", StringComparison.Ordinal));
        Assert.Contains("running (attempt 2)", row, StringComparison.Ordinal);
        Assert.Contains("start xxx", row, StringComparison.Ordinal);
        Assert.Contains("…", row, StringComparison.Ordinal);
        Assert.DoesNotContain(" end", row, StringComparison.Ordinal);
        Assert.All(rows, r => Assert.True(r.Length <= 90, $"wider than the console: {r}"));
    }

    [Fact]
    public void More_calls_than_the_terminal_has_lines_fold_the_finished_ones_and_keep_the_running_ones()
    {
        using var console = new TestConsole().Width(120).Height(15);
        using var view = new LiveRunView(console);
        for (var i = 0; i < 30; i++)
        {
            var step = Step($"Done{i:00}", "local");
            step.Status = StepStatus.Succeeded;
            view.StepChanged(step, StepEvent.Succeeded, null);
        }

        view.StepChanged(Step("StillRunning", "gpu"), StepEvent.Started, null);

        var text = RenderText(view, 120);

        Assert.Contains("StillRunning", text, StringComparison.Ordinal);
        Assert.Matches(@"\d+ more not shown: \d+ succeeded", text);
        Assert.True(text.Split('\n').Length <= 15, text);
    }

    [Fact]
    public void A_run_shows_live_and_then_its_summary_failed_lines_and_messages_in_order()
    {
        using var console = new TestConsole().Width(140).Height(40).Interactive().EmitAnsiSequences();
        var view = new LiveRunView(console, TimeSpan.FromMilliseconds(10));
        var runs = new RunConsole(view);
        var run = SampleRuns.Failed();
        run.Report = "/runs/y/report.md";

        runs.Info("building image");
        runs.RunStarted(run, "/runs/y");
        Assert.True(view.IsLive);
        for (var i = 0; i < 5; i++)
        {
            runs.Info($"message {i}");
        }

        runs.Problem("something odd");
        var train = run.Steps.Single(s => s.InvocationId == "Train");
        runs.StepChanged(train, StepEvent.Started);
        runs.StepLine("MakeDataset", "live line of MakeDataset", isError: false);
        runs.StepChanged(train, StepEvent.Failed);
        runs.RunFinished(run, "/runs/y/run.json");

        Assert.False(view.IsLive);
        var output = Plain(console.Output);

        // Messages, in the order they came.
        var positions = new[] { "building image", "message 0", "message 1", "message 2", "message 3", "message 4", "something odd" }
            .Select(m => output.IndexOf(m, StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0, output));
        Assert.Equal(positions.Order(), positions);

        // The live table showed the last line; the summary names every call.
        Assert.Contains("live line of MakeDataset", output, StringComparison.Ordinal);
        var summaryAt = output.LastIndexOf("Attempts", StringComparison.Ordinal); // a column of the summary, not of the live table
        Assert.True(summaryAt > positions[^1], output);
        var summary = output[summaryAt..];
        foreach (var name in new[] { "MakeDataset", "Sidecar", "Train", "Evaluate" })
        {
            Assert.Contains(name, summary, StringComparison.Ordinal);
        }

        Assert.Contains("out of memory, exit code 137", summary, StringComparison.Ordinal);
        Assert.Contains("dependency failed", summary, StringComparison.Ordinal);

        // After the display: the failed step's last 20 lines, the failure, and the outcome.
        Assert.Contains("Train: failed: out of memory (exit code 137) (failed first)", summary, StringComparison.Ordinal);
        foreach (var i in Enumerable.Range(6, 20))
        {
            Assert.Contains($"epoch {i}: loss 0.{i:00}", summary, StringComparison.Ordinal);
        }

        Assert.Contains("Not run, because a step they depend on did not succeed: Evaluate", summary, StringComparison.Ordinal);
        Assert.Contains("Run 20250301-130000-f00d failed in 95.0s: 1/4 steps succeeded", summary, StringComparison.Ordinal);
        Assert.Contains("record: /runs/y/run.json", summary, StringComparison.Ordinal);
        Assert.Contains("report: /runs/y/report.md", summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    public void The_summary_fits_a_narrow_terminal_with_one_line_per_call(int width)
    {
        foreach (var run in new[] { SampleRuns.Threw(), SampleRuns.Failed(), SampleRuns.Succeeded() })
        {
            using var console = new TestConsole().Width(width).Height(40);
            new LiveRunView(console).RunFinished(run, "/runs/z/run.json");
            var lines = Plain(console.Output).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

            Assert.All(lines, line => Assert.True(line.Length <= width, $"{line.Length} columns: {line}\n{string.Join("\n", lines)}"));

            // The table: one row per call (no cell wraps onto a second line), each naming its call.
            var header = Array.FindIndex(lines, l => l.StartsWith("│ Step ", StringComparison.Ordinal));
            var rows = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('│')).ToList();
            Assert.True(run.Steps.Count == rows.Count, string.Join("\n", lines));
            foreach (var (step, row) in run.Steps.Zip(rows))
            {
                Assert.StartsWith("│ " + step.InvocationId[..4], row, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_step_that_threw_shows_its_exception_once_and_its_exit_code_once()
    {
        using var console = new TestConsole().Width(120).Height(40);
        var run = SampleRuns.Threw();
        new LiveRunView(console).RunFinished(run, "/runs/z/run.json");
        var output = Plain(console.Output);

        // The panel: the exception as the step process reported it (message and stack trace), once.
        var panel = output[output.IndexOf("EmbedDocuments: failed", StringComparison.Ordinal)..output.IndexOf("Not run, because", StringComparison.Ordinal)];
        Assert.Equal(1, Count(panel, "no model named 'mini'"));
        Assert.Equal(1, Count(panel, "at Words.Steps.EmbedDocuments"));
        Assert.Contains("EmbedDocuments: failed: exception (exit code 1) (failed first)", panel, StringComparison.Ordinal);
        Assert.Contains("looking up model 'mini'", panel, StringComparison.Ordinal);
        Assert.Equal(1, Count(panel, "exit code 1"));
        Assert.DoesNotContain(output.Split('\n'), line => Count(line, "exit code 1") > 1);
    }

    [Fact]
    public void Calls_from_many_threads_at_once_while_the_display_redraws_do_not_throw()
    {
        using var console = new TestConsole().Width(160).Height(60).Interactive().EmitAnsiSequences();
        using var view = new LiveRunView(console, TimeSpan.FromMilliseconds(1));
        var run = new RunRecord { RunId = "r-threads", Pipeline = "fan-out", Stack = "local", ArtifactStore = "default", StartedAt = SampleRuns.Start };
        view.RunStarted(run, "/runs/r-threads");

        const int steps = 12;
        var failures = new ConcurrentQueue<Exception>();
        using var go = new Barrier(steps);
        var threads = Enumerable.Range(0, steps).Select(n => new Thread(() =>
        {
            try
            {
                var step = Step($"Step{n:00}", n % 2 == 0 ? "local" : "gpu");
                lock (run)
                {
                    run.Steps.Add(step);
                }

                go.SignalAndWait();

                // Straight at the view, not through RunConsole: the view must be safe on its own.
                view.StepChanged(step, StepEvent.Queued, "slots");
                step.Attempts.Add(new AttemptRecord { Number = 1, StartedAt = SampleRuns.Start });
                view.StepChanged(step, StepEvent.Started, null);
                for (var line = 0; line < 200; line++)
                {
                    view.StepLine(step.InvocationId, $"Step{n:00} line {line}", isError: line % 7 == 0);
                    if (line % 50 == 0)
                    {
                        view.Message($"Step{n:00} says {line}", isProblem: line % 100 == 0);
                    }
                }

                step.Status = StepStatus.Succeeded;
                view.StepChanged(step, StepEvent.Succeeded, null);
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        run.Status = RunStatus.Succeeded;
        run.FinishedAt = SampleRuns.Start.AddSeconds(1);
        view.RunFinished(run, "/runs/r-threads/run.json");

        Assert.Empty(failures);
        var output = Plain(console.Output);
        for (var n = 0; n < steps; n++)
        {
            // The live table's last redraw had every call's last line; every message was written once.
            Assert.Contains($"Step{n:00} line 199", output, StringComparison.Ordinal);
            foreach (var said in new[] { 0, 50, 100, 150 })
            {
                Assert.Single(Regex.Matches(output, $"Step{n:00} says {said}\\b"));
            }
        }

        Assert.Contains("Run r-threads succeeded in 1.0s: 12/12 steps succeeded", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_stops_the_display_when_the_run_ends_without_finishing_and_shows_the_messages_left()
    {
        using var console = new TestConsole().Interactive().EmitAnsiSequences();

        // A long refresh interval: the display has not drawn the message before it is disposed.
        var view = new LiveRunView(console, TimeSpan.FromHours(1));
        view.RunStarted(SampleRuns.Succeeded(), "/runs/x");
        view.Message("last words", isProblem: true);
        Assert.True(view.IsLive);

        view.Dispose();

        Assert.False(view.IsLive);
        Assert.Contains("last words", Plain(console.Output), StringComparison.Ordinal);
        view.Dispose();

        // Without a display, messages go straight to the console.
        view.Message("after the end", isProblem: false);
        Assert.EndsWith("after the end\n", Plain(console.Output).Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static StepRecord Step(string id, string stepOperator) =>
        new() { InvocationId = id, Step = id, Placement = StepPlacement.Orchestrator, StepOperator = stepOperator };

    /// <summary>The view's current frame as plain text.</summary>
    private static string RenderText(LiveRunView view, int width = 160)
    {
        using var console = new TestConsole().Width(width).Height(200);
        console.Write(view.Render());
        return console.Output.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static List<string> RenderRows(LiveRunView view, int width = 160) =>
        RenderText(view, width).Split('\n').Where(l => l.StartsWith('│')).ToList();

    /// <summary>A table row holding the call's id and, in order, each of the given cells.</summary>
    private static void AssertRow(List<string> rows, string id, params string[] cells)
    {
        var row = rows.SingleOrDefault(r => Regex.IsMatch(r, $@"^│ {Regex.Escape(id)} +│"));
        Assert.True(row is not null, $"no row for {id} in:\n{string.Join("\n", rows)}");
        var values = row.Split('│', StringSplitOptions.TrimEntries).Where(v => v.Length > 0).ToList();
        var at = 1;
        foreach (var cell in cells)
        {
            var index = values.FindIndex(at, v => v.StartsWith(cell, StringComparison.Ordinal));
            Assert.True(index >= 0, $"'{cell}' not found after column {at} in row: {row}");
            at = index + 1;
        }
    }

    private static int Count(string text, string part) => Regex.Matches(text, Regex.Escape(part)).Count;

    /// <summary>Console output without its ANSI sequences.</summary>
    private static string Plain(string output) => Regex.Replace(output, @"\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007|\u001b[@-Z\\-_]", string.Empty);

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
