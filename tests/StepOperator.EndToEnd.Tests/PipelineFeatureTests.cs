using System.Diagnostics;
using System.Text.RegularExpressions;
using StepOperator.Runs;

namespace StepOperator.EndToEnd.Tests;

/// <summary>Caching, retries, parallel fan-out, failure handling and plans, on the local stack.</summary>
public class PipelineFeatureTests
{
    private static StepRecord Step(RunRecord run, string invocationId) => Assert.Single(run.Steps, s => s.InvocationId == invocationId);

    [Fact]
    public async Task A_second_run_with_nothing_changed_executes_no_step()
    {
        using var program = new TestProgram();
        var first = await program.RunAsync("Flow");
        Assert.True(first.ExitCode == 0, first.ToString());
        var second = await program.RunAsync("Flow");
        Assert.True(second.ExitCode == 0, second.ToString());

        var runs = program.Runs();
        Assert.Equal(2, runs.Count);
        Assert.All(runs[0].Steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));
        Assert.All(runs[0].Steps, s => Assert.Equal("no earlier run", s.Cache!.Reason));
        Assert.All(runs[1].Steps, s =>
        {
            Assert.Equal(StepStatus.Cached, s.Status);
            Assert.True(s.Cache!.Hit);
            Assert.Equal(runs[0].RunId, s.Cache.SourceRun);
            Assert.Null(s.ProcessId);
            Assert.Empty(s.Attempts);
        });

        // The outputs are the first run's, passed on by reference; the pipeline still gets its result.
        Assert.Contains("result 63", second.Output);
        Assert.DoesNotContain("[Produce] producing from 7", second.Output);
        Assert.Equal(Step(runs[0], "Combine").Output, Step(runs[1], "Combine").Output);
        Assert.Contains("= Produce: cached", second.Output);
    }

    [Fact]
    public async Task A_step_with_more_inputs_than_the_entrypoint_helpers_take_runs_with_each_input_in_its_place()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Wide");
        Assert.True(result.ExitCode == 0, result.ToString());

        // 1 + ... + 8 + 9 * 100: the ninth input arrives as the ninth parameter.
        Assert.Contains("wide 936", result.Output);
        var step = Step(Assert.Single(program.Runs()), "SumOfNine");
        Assert.Equal(StepStatus.Succeeded, step.Status);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => $"a{i}"), step.Inputs.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task No_cache_runs_every_step_and_says_why()
    {
        using var program = new TestProgram();
        Assert.Equal(0, (await program.RunAsync("Flow")).ExitCode);
        var again = await program.RunAsync("Flow", "--no-cache");
        Assert.True(again.ExitCode == 0, again.ToString());
        var run = program.Runs()[1];
        Assert.False(run.CacheEnabled);
        Assert.All(run.Steps, s =>
        {
            Assert.Equal(StepStatus.Succeeded, s.Status);
            Assert.Equal("disabled (--no-cache)", s.Cache!.Reason);
        });
    }

    [Fact]
    public async Task Editing_one_step_reruns_only_it_and_its_dependants()
    {
        using var program = new TestProgram();
        var original = await program.RunAsync("Chain");
        Assert.True(original.ExitCode == 0, original.ToString());
        Assert.Contains("chain 104 4 9", original.Output); // (1+1)*2+100, 5-1

        program.UseAssembly(await BuildEditedProgramAsync());
        var edited = await program.RunAsync("Chain");
        Assert.True(edited.ExitCode == 0, edited.ToString());
        Assert.Contains("chain 106 4 9", edited.Output); // (1+1)*3+100

        var run = program.Runs()[1];
        Assert.Equal(StepStatus.Cached, Step(run, "First").Status);
        Assert.Equal(StepStatus.Cached, Step(run, "Aside").Status);
        Assert.Equal(StepStatus.Succeeded, Step(run, "Middle").Status);
        Assert.Equal("code changed", Step(run, "Middle").Cache!.Reason);
        Assert.Equal(StepStatus.Succeeded, Step(run, "Last").Status);
        Assert.Equal("input 'value' changed", Step(run, "Last").Cache!.Reason);
        Assert.Equal(StepStatus.Succeeded, Step(run, "Uncached").Status);
        Assert.Equal("disabled (EnableCache = false)", Step(run, "Uncached").Cache!.Reason);
        Assert.Contains("> Middle: started on 'local' (not cached: code changed)", edited.Output);
        Assert.Contains("= First: cached: output of run", edited.Output);

        // A value input that changes is an input change too.
        var changedSetting = await program.RunAsync("Chain", "--set", "Aside.CpuCount=1");
        Assert.True(changedSetting.ExitCode == 0, changedSetting.ToString());
        Assert.Equal("settings changed", Step(program.Runs()[2], "Aside").Cache!.Reason);
    }

    [Fact]
    public async Task Retries_happen_exactly_as_configured()
    {
        using var program = new TestProgram();
        var retried = await program.RunAsync("Retried");
        Assert.True(retried.ExitCode == 0, retried.ToString());
        Assert.Contains("succeeded on attempt 3", retried.Output);
        var step = Step(program.OnlyRun(), "FailsTwice");
        Assert.Equal(StepStatus.Succeeded, step.Status);
        Assert.Equal(new[] { 1, 2, 3 }, step.Attempts.Select(a => a.Number));
        Assert.Equal(new[] { true, true, false }, step.Attempts.Select(a => a.Retried));
        Assert.Equal(new FailureKind?[] { FailureKind.Exception, FailureKind.Exception, null }, step.Attempts.Select(a => a.Failure));
        Assert.Contains("attempt 1 fails", step.Attempts[0].Error);

        // RetryDelay = 0.2 s, RetryBackoff = 2: at least 0.2 s before the second attempt, 0.4 s before the third.
        Assert.True(step.Attempts[1].StartedAt - step.Attempts[0].FinishedAt!.Value >= TimeSpan.FromSeconds(0.2));
        Assert.True(step.Attempts[2].StartedAt - step.Attempts[1].FinishedAt!.Value >= TimeSpan.FromSeconds(0.4));
    }

    [Fact]
    public async Task A_steps_own_exception_is_retried_only_when_the_policy_says_so()
    {
        using var notRetried = new TestProgram();
        Assert.Equal(1, (await notRetried.RunAsync("NotRetried")).ExitCode);
        var once = Step(notRetried.OnlyRun(), "ThrowsWithoutRetryOnException");
        Assert.Single(once.Attempts);
        Assert.Equal(FailureKind.Exception, once.Failure);

        using var exhausted = new TestProgram();
        var result = await exhausted.RunAsync("RetriesExhausted");
        Assert.Equal(1, result.ExitCode);
        var thrice = Step(exhausted.OnlyRun(), "AlwaysFails");
        Assert.Equal(3, thrice.Attempts.Count); // the first attempt and MaxRetries = 2
        Assert.Equal(StepStatus.Failed, thrice.Status);
        Assert.Contains("always fails", thrice.Error);
    }

    [Fact]
    public async Task Independent_steps_run_at_the_same_time_and_the_limit_holds()
    {
        using var program = new TestProgram();
        var parallel = await program.RunAsync("TwoNaps");
        Assert.True(parallel.ExitCode == 0, parallel.ToString());
        var run = program.OnlyRun();
        var naps = run.Steps.Where(s => s.Step == "Nap").ToList();
        Assert.Equal(2, naps.Count);
        Assert.True(naps[0].StartedAt < naps[1].FinishedAt && naps[1].StartedAt < naps[0].FinishedAt, "the two naps did not overlap");
        var span = naps.Max(s => s.FinishedAt!.Value) - naps.Min(s => s.StartedAt!.Value);
        Assert.True(span < TimeSpan.FromSeconds(4), $"two 2-second steps took {span.TotalSeconds:0.0}s together");

        using var limited = new TestProgram();
        var serial = await limited.RunAsync("TwoNaps", "--max-parallel-steps", "1");
        Assert.True(serial.ExitCode == 0, serial.ToString());
        var one = limited.OnlyRun();
        Assert.Equal(1, one.MaxParallelSteps);
        var ordered = one.Steps.Where(s => s.Step == "Nap").Select(s => Assert.Single(s.Attempts)).OrderBy(a => a.StartedAt).ToList();
        Assert.True(ordered[1].StartedAt >= ordered[0].FinishedAt, "with --max-parallel-steps 1 the naps overlapped");
    }

    [Fact]
    public async Task The_first_failure_stops_the_other_branches_and_the_report_names_it()
    {
        using var program = new TestProgram();
        var watch = Stopwatch.StartNew();
        var result = await program.RunAsync("FailFast");
        Assert.Equal(1, result.ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(50), "the 60-second step was not stopped");

        var run = program.OnlyRun();
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("Boom", run.FailedFirst);
        Assert.Contains("Step 'Boom' failed first", run.Error);
        var boom = Step(run, "Boom");
        Assert.Equal(FailureKind.Exception, boom.Failure);
        Assert.Equal(20, boom.LastLines!.Count);
        Assert.Contains("boom line 30", boom.LastLines);
        Assert.DoesNotContain("boom line 1", boom.LastLines); // only the last 20 lines are kept
        var nap = Step(run, "Nap");
        Assert.Equal(StepStatus.Cancelled, nap.Status);
        Assert.Equal(FailureKind.Terminated, nap.Failure);
        Assert.Equal("stopped because step 'Boom' failed first", nap.Error);

        // The run report beside run.json names the step that failed first, its reason and its last lines.
        Assert.Equal(Path.Combine(program.Home, "runs", run.RunId, "report.md"), run.Report);
        var report = File.ReadAllText(run.Report!);
        Assert.Contains("Failed first: Boom", report);
        Assert.Contains("InvalidOperationException: boom first", report);
        Assert.Contains("boom line 30", report);
        Assert.Contains("stopped because step 'Boom' failed first", report);
        Assert.True(File.Exists(Path.Combine(program.Home, "runs", run.RunId, "report.html")));
        Assert.Contains($"report: {run.Report}", result.Output);
        Assert.Contains("| boom line 30", result.Error); // the plain view shows the failed step's last lines
    }

    [Fact]
    public async Task Plan_shows_steps_resources_and_expected_cache_hits_without_running_anything()
    {
        using var program = new TestProgram();
        var before = await program.RunAsync("plan", "Flow");
        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.Empty(program.Runs());
        Assert.Contains("Plan: pipeline 'Flow' on stack 'local' (4 step calls; nothing is started)", before.Output);
        Assert.Contains("  Square\n    placement: local\n", before.Output.ReplaceLineEndings("\n"));
        Assert.Contains("cache: miss: no earlier run", before.Output);
        Assert.Contains("cache: 0 of 4 step calls expected to be reused", before.Output);

        Assert.Equal(0, (await program.RunAsync("Flow")).ExitCode);
        var after = await program.RunAsync("plan", "Flow");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Contains("cache: 4 of 4 step calls expected to be reused", after.Output);
        Assert.Single(program.Runs());
    }

    [Fact]
    public async Task A_run_whose_orchestrator_was_killed_resumes_without_recomputing_completed_steps()
    {
        using var program = new TestProgram();
        var gate = Path.Combine(program.Home, "gate");
        program.Environment["STEPOPERATOR_TEST_GATE"] = gate;
        var mark = "killed-" + Guid.NewGuid().ToString("N");
        program.Environment["STEPOPERATOR_TEST_MARK"] = mark;
        int? stepProcess = null;
        using (var orchestrator = program.Start("Interruptible"))
        {
            var (_, waiting) = await TestProgram.ReadUntilAsync(orchestrator, line => line.Contains("waiting for the gate in process", StringComparison.Ordinal));
            if (waiting is not null)
            {
                stepProcess = int.Parse(Regex.Match(waiting, @"process (\d+)").Groups[1].Value);
            }

            Assert.NotNull(stepProcess);
            orchestrator.Kill(entireProcessTree: false); // SIGKILL: no clean-up runs in the orchestrator
            await orchestrator.WaitForExitAsync();
        }

        // The orphaned step process notices and ends by itself.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Directory.Exists($"/proc/{stepProcess}") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.False(Directory.Exists($"/proc/{stepProcess}"), $"step process {stepProcess} outlived its orchestrator");
        Assert.Empty(await TestProgram.ProcessesMarkedAsync(mark)); // nor did the standby process waiting for the next call
        var interrupted = program.OnlyRun();
        Assert.Equal(RunStatus.Running, interrupted.Status);
        var completed = Step(interrupted, "Before");
        Assert.Equal(StepStatus.Succeeded, completed.Status);

        File.WriteAllText(gate, "open");
        var resumed = await program.RunAsync("resume");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("interruptible 41", resumed.Output);
        Assert.DoesNotContain("Before ran", resumed.Output);

        var run = program.OnlyRun();
        Assert.Equal(interrupted.RunId, run.RunId);
        Assert.Equal(1, run.Resumed);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        var reused = Step(run, "Before");
        Assert.Equal(StepStatus.Cached, reused.Status);
        Assert.Equal("resumed: completed before the interruption", reused.Cache!.Reason);
        Assert.Equal(completed.Output, reused.Output); // the stored output, not a recomputed one
        Assert.Equal(StepStatus.Succeeded, Step(run, "WaitForGate").Status);
        Assert.True(File.Exists(Path.Combine(program.Home, "runs", run.RunId, "run.interrupted-1.json")));

        var nothingLeft = await program.RunAsync("resume", run.RunId);
        Assert.Contains("there is nothing to resume", nothingLeft.Output);
        var unknown = await program.RunAsync("resume", "../elsewhere");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("There is no run '../elsewhere'", unknown.Error);
    }

    /// <summary>Builds the test program again with FeatureSteps.Middle edited, beside the normal build.</summary>
    private static async Task<string> BuildEditedProgramAsync()
    {
        var project = RepositoryPaths.Combine("tests", "StepOperator.TestPipelines");
        var start = new ProcessStartInfo("dotnet", ["build", "--no-restore", "--no-dependencies", "-v", "q", "-nologo"])
        {
            WorkingDirectory = project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["StepOperatorTestVariant"] = "edited";
        using var build = Process.Start(start)!;
        var output = build.StandardOutput.ReadToEndAsync();
        var error = build.StandardError.ReadToEndAsync();
        await build.WaitForExitAsync();
        Assert.True(build.ExitCode == 0, $"building the edited program failed:\n{await output}\n{await error}");
        var assembly = Directory.GetFiles(Path.Combine(project, "bin", "variant-edited"), "StepOperator.TestPipelines.dll", SearchOption.AllDirectories);
        return Assert.Single(assembly);
    }
}
