using System.Diagnostics;
using System.Text.RegularExpressions;
using StepOperator.Runs;

namespace StepOperator.EndToEnd.Tests;

/// <summary>Pipelines run on the embedded local stack: every step call in a child process of its own.</summary>
public class LocalStackTests
{
    [Fact]
    public async Task Every_step_runs_in_its_own_process_and_outputs_flow_by_reference()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Flow");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("result 63", result.Output); // 2*7 + 7*7
        var orchestrator = int.Parse(Regex.Match(result.Output, @"orchestrator process (\d+)").Groups[1].Value);

        var run = program.OnlyRun();
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(new[] { "Combine", "Double", "Produce", "Square" }, run.Steps.Select(s => s.Step).Order());
        Assert.All(run.Steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));

        // Each step reports the process it ran in: all different, none the orchestrator.
        var processIds = run.Steps.Select(s => s.ProcessId!.Value).ToList();
        Assert.Equal(processIds.Count, processIds.Distinct().Count());
        Assert.DoesNotContain(orchestrator, processIds);
        foreach (var step in run.Steps)
        {
            var output = File.ReadAllText(program.ArtifactPath(step.Output!.Key));
            Assert.Contains($"\"ProcessId\":{step.ProcessId}", output);
        }

        // By reference: the consumers' inputs are the producer's output artifact itself, not copies.
        var produced = run.Steps.Single(s => s.Step == "Produce").Output!.Key;
        Assert.Equal(produced, run.Steps.Single(s => s.Step == "Double").Inputs["input"].Key);
        Assert.Equal(produced, run.Steps.Single(s => s.Step == "Square").Inputs["input"].Key);
        Assert.Equal(run.Steps.Single(s => s.Step == "Double").Output!.Key, run.Steps.Single(s => s.Step == "Combine").Inputs["left"].Key);

        // Step output is forwarded live with a prefix; unenforced resources are reported once.
        Assert.Contains("[Produce] producing from 7", result.Output);
        Assert.Contains($"[Produce] run id from the environment: {run.RunId}", result.Output);
        Assert.Contains("[Combine] combining 14 and 49", result.Error);
        Assert.Single(Regex.Matches(result.Output, "Square: Gpu = \"T4\", CpuCount = 0.5, CpuLimit = 1, Memory = \"1GB\", MemoryLimit = \"2GB\" not enforced"));

        // Each step process was started ahead of its call, on standby (the default).
        Assert.Contains("[Produce] started as: step --standby", result.Output);
    }

    [Fact]
    public async Task With_standby_off_each_step_process_is_started_for_its_call()
    {
        using var program = new TestProgram();
        program.Environment["STEPOPERATOR_LOCAL_STANDBY"] = "false";
        var result = await program.RunAsync("Flow");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("result 63", result.Output);
        var run = program.OnlyRun();
        Assert.Equal(4, run.Steps.Select(s => s.ProcessId).Distinct().Count());
        Assert.Contains($"[Produce] run id from the environment: {run.RunId}", result.Output);
        Assert.Contains($"[Produce] started as: step Produce --run-id {run.RunId} --invocation Produce --store ", result.Output);
    }

    [Fact]
    public async Task No_step_process_outlives_its_run_not_even_the_unused_standby_one()
    {
        using var program = new TestProgram();
        var mark = "run-" + Guid.NewGuid().ToString("N");
        program.Environment["STEPOPERATOR_TEST_MARK"] = mark; // every process of this run inherits it

        var result = await program.RunAsync("Flow");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(await TestProgram.ProcessesMarkedAsync(mark));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public async Task A_step_that_reads_standard_input_sees_its_end(string standby)
    {
        using var program = new TestProgram();
        program.Environment["STEPOPERATOR_LOCAL_STANDBY"] = standby;

        var result = await program.RunAsync("StandardInput");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("read 0 characters of standard input", result.Output);
    }

    [Fact]
    public async Task An_OutOfMemoryException_in_a_step_is_reported_as_out_of_memory()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("DotnetOom");

        Assert.Equal(1, result.ExitCode);
        var step = program.OnlyRun().Steps.Single();
        Assert.Equal((StepStatus.Failed, FailureKind.OutOfMemory), (step.Status, step.Failure));
        Assert.StartsWith("out of memory: System.OutOfMemoryException: ", step.Error);
        Assert.Contains("(exit code 1)", step.Error);
    }

    [Fact]
    public async Task A_step_that_throws_fails_the_run_with_its_name_exception_and_message()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Failing");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Step 'Explode' failed: System.InvalidOperationException: boom at 3", result.Error);
        var run = program.OnlyRun();
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("Explode", run.Error);
        Assert.Contains("InvalidOperationException: boom at 3", run.Error);

        var explode = run.Steps.Single(s => s.Step == "Explode");
        Assert.Equal(StepStatus.Failed, explode.Status);
        Assert.Equal(1, explode.ExitCode);
        Assert.Equal(StepStatus.Skipped, run.Steps.Single(s => s.Step == "Combine").Status);

        // The exception once: its message and stack trace as the step printed them (the step process's frame
        // once), and no line says the exit code twice.
        var all = result.Output + result.Error;
        Assert.Single(Regex.Matches(all, Regex.Escape("at StepOperator.TestPipelines.TestSteps.Explode(")));
        Assert.Single(Regex.Matches(all, Regex.Escape("at StepOperator.Execution.StepProcess.RunAsync(")));
        Assert.Single(Regex.Matches(all, Regex.Escape("[Explode] Step 'Explode' failed: System.InvalidOperationException: boom at 3")));
        Assert.DoesNotContain(all.Split('\n'), line => Regex.Matches(line, "exit code 1").Count > 1);
        Assert.Equal("System.InvalidOperationException: boom at 3", explode.Error);

        // The earlier step's output stays on disk.
        var produce = run.Steps.Single(s => s.Step == "Produce");
        Assert.Equal(StepStatus.Succeeded, produce.Status);
        Assert.True(File.Exists(program.ArtifactPath(produce.Output!.Key)));
    }

    [Fact]
    public async Task A_value_that_cannot_be_serialized_names_its_type_and_the_step()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Unserializable");

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(new Regex("Step 'MakeUnserializable' output: a value of type '.*Unserializable' cannot be stored as an artifact"), result.Error);
        Assert.Contains("System.Type", result.Error);
    }

    [Fact]
    public async Task Stream_outputs_pass_between_steps()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Bytes");

        Assert.True(result.ExitCode == 0, result.ToString());
        long expected = 0;
        for (var i = 0; i < 1_000_000; i++)
        {
            expected += i % 251;
        }

        Assert.Contains($"checksum {expected}", result.Output);
        var stream = program.OnlyRun().Steps.Single(s => s.Step == "MakeStream").Output!;
        Assert.EndsWith(".bin", stream.Key);
        Assert.Equal(1_000_000, new FileInfo(program.ArtifactPath(stream.Key)).Length);
    }

    [Fact]
    public async Task A_step_past_its_timeout_is_reported_as_timed_out()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("TimesOut");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("timed out after 1s", result.Error);
        Assert.Equal(StepStatus.TimedOut, program.OnlyRun().Steps.Single().Status);
    }

    [Fact]
    public async Task Ctrl_c_stops_the_run_and_kills_the_step_process()
    {
        using var program = new TestProgram();
        using var process = program.Start("Slow");
        int? child = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            var match = Regex.Match(line, @"sleeping in process (\d+)");
            if (match.Success)
            {
                child = int.Parse(match.Groups[1].Value);
                break;
            }
        }

        Assert.NotNull(child);
        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString()]))
        {
            await interrupt.WaitForExitAsync();
        }

        var drain = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await drain;

        Assert.Equal(130, process.ExitCode);
        Assert.False(IsAlive(child.Value), $"step process {child} is still running");
        var run = program.OnlyRun();
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal(StepStatus.Cancelled, run.Steps.Single().Status);
    }

    [Fact]
    public async Task Secrets_in_the_orchestrators_environment_never_reach_a_step_process()
    {
        using var program = new TestProgram();
        program.Environment["MODAL_TOKEN_ID"] = "ak-test-token-id-1234";
        program.Environment["MODAL_TOKEN_SECRET"] = "as-test-token-secret-5678";
        program.Environment["STEPOPERATOR_REGISTRY_PASSWORD"] = "registry-password-9012";
        program.Environment["HARMLESS_SETTING"] = "visible";

        var result = await program.RunAsync("EnvironmentCheck");

        Assert.True(result.ExitCode == 0, result.ToString());
        var seen = File.ReadAllText(program.ArtifactPath(program.OnlyRun().Steps.Single().Output!.Key));
        Assert.Contains("\"HARMLESS_SETTING\":\"visible\"", seen);
        foreach (var secret in new[] { "ak-test-token-id-1234", "as-test-token-secret-5678", "registry-password-9012" })
        {
            Assert.DoesNotContain(secret, seen);
            Assert.DoesNotContain(secret, result.Output + result.Error);
        }
    }

    [Fact]
    public async Task An_unknown_pipeline_lists_the_valid_ones()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Nope");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown pipeline 'Nope'. Pipelines of this program: Bytes, Chain, DotnetOom, EnvironmentCheck, FailFast, Failing, Flow, Interruptible, ManagedOom, NotRetried, Oom, Preempted, RemoteLines, RemoteOom, RemoteShortTicks, RemoteSlow, RemoteTicks, RemoteTimesOut, Retried, RetriesExhausted, Slow, StandardInput, TimesOut, TwoNaps, Unserializable, Wide.", result.Error);
    }

    [Fact]
    public async Task An_unknown_stack_lists_the_valid_ones()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("Flow", "--stack", "moon");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown stack 'moon'. Available stacks: local, docker.", result.Error);
    }

    [Fact]
    public async Task Help_lists_pipelines_steps_and_options()
    {
        using var program = new TestProgram();
        var result = await program.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Pipelines:", result.Output);
        Assert.Contains("  Flow", result.Output);
        Assert.Contains("  Square (modal step: gpu T4, cpu 0.5, cpu limit 1, memory 1GB, memory limit 2GB)", result.Output);
        Assert.Contains("--stack", result.Output);
        Assert.Contains("step <name>", result.Output);
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
