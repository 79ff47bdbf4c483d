using System.Text.RegularExpressions;
using StepOperator.Runs;
using StepOperator.Modal;

namespace StepOperator.EndToEnd.Tests;

/// <summary>Resuming a run whose orchestrator was killed while a Modal sandbox ran: no sandbox is created twice.</summary>
[Collection(DockerCollection.Name)]
public class ModalResumeTests(DockerEnvironment docker)
{
    private static async Task<TestProgram.Result> KillOrchestratorAfterAsync(ModalTestStack modal, string pipeline, string line)
    {
        using var orchestrator = modal.Program.Start(pipeline, "--stack", ModalTestStack.StackName);
        var (seen, match) = await TestProgram.ReadUntilAsync(orchestrator, text => text.Contains(line, StringComparison.Ordinal));
        Assert.True(match is not null, $"the run never printed '{line}':\n{seen}");
        orchestrator.Kill(entireProcessTree: false); // SIGKILL: no clean-up runs in the orchestrator
        await orchestrator.WaitForExitAsync();
        return new TestProgram.Result(137, seen, string.Empty);
    }

    private static IReadOnlyList<int> Ticks(string output) =>
        Regex.Matches(output, @"tick (\d+) of").Select(m => int.Parse(m.Groups[1].Value)).ToList();

    [RegistryFact]
    public async Task Resume_reattaches_to_the_sandbox_that_still_runs_and_continues_its_logs()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        var before = await KillOrchestratorAfterAsync(modal, "RemoteTicks", "tick 6 of 40");

        var interrupted = modal.Program.OnlyRun();
        var attempt = Assert.Single(Assert.Single(interrupted.Steps).Attempts);
        var backend = Assert.IsType<Stacks.BackendCall>(attempt.Backend);
        Assert.Equal(ModalStepOperator.SandboxKind, backend.Kind);
        Assert.Equal(Assert.Single(modal.Emulator.Sandboxes).SandboxId, backend.Id);
        Assert.True(backend.LogPositions?.ContainsKey("stdout"), "run.json does not say how far the logs were read");
        Assert.Equal(1, modal.Emulator.RunningSandboxCount); // the sandbox outlived its orchestrator

        var resumed = await modal.Program.RunAsync("resume");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("ticked 40 times", resumed.Output);
        Assert.Contains($"sandbox {backend.Id}: reattached", resumed.Output);
        Assert.Single(modal.Emulator.RequestsFor(CreateRpc));
        var after = Ticks(resumed.Output);
        Assert.DoesNotContain(1, after); // read before the kill: not printed again
        Assert.Equal(Enumerable.Range(1, 40), Ticks(before.Output).Concat(after).Distinct().Order());
        var step = Assert.Single(modal.Program.OnlyRun().Steps);
        Assert.Equal(StepStatus.Succeeded, step.Status);
        Assert.Equal(backend.Id, Assert.Single(step.Attempts).Backend?.Id);
        Assert.Equal(0, modal.Emulator.RunningSandboxCount);
    }

    [RegistryFact]
    public async Task A_sandbox_that_finished_meanwhile_gives_its_result_without_running_again()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        var before = await KillOrchestratorAfterAsync(modal, "RemoteShortTicks", "tick 3 of 16");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (modal.Emulator.Sandboxes.Single().ResultStatus is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal("Success", modal.Emulator.Sandboxes.Single().ResultStatus);

        var resumed = await modal.Program.RunAsync("resume");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("ticked 16 times", resumed.Output);
        Assert.Single(modal.Emulator.RequestsFor(CreateRpc));
        Assert.Equal(Enumerable.Range(1, 16), Ticks(before.Output).Concat(Ticks(resumed.Output)).Distinct().Order());
        Assert.Equal(StepStatus.Succeeded, Assert.Single(modal.Program.OnlyRun().Steps).Status);
    }

    [RegistryFact]
    public async Task A_sandbox_the_record_did_not_get_to_know_is_adopted_and_a_stale_one_terminated()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);

        // The sandbox is created, but its answer is late: the orchestrator dies before run.json can name it.
        modal.Emulator.Faults.DelayResponses(CreateRpc, TimeSpan.FromMinutes(2));
        using (var orchestrator = modal.Program.Start("RemoteTicks", "--stack", ModalTestStack.StackName))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!modal.Emulator.Sandboxes.Any(s => s.IsRunning) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            orchestrator.Kill(entireProcessTree: false);
            await orchestrator.WaitForExitAsync();
        }

        var unknown = Assert.Single(modal.Emulator.Sandboxes);
        Assert.Null(Assert.Single(Assert.Single(modal.Program.OnlyRun().Steps).Attempts).Backend);

        var resumed = await modal.Program.RunAsync("resume");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"adopting sandbox {unknown.SandboxId}", resumed.Output);
        Assert.Equal(Enumerable.Range(1, 40), Ticks(resumed.Output).Distinct().Order());
        Assert.Single(modal.Emulator.RequestsFor(CreateRpc));
        Assert.Equal(unknown.SandboxId, Assert.Single(Assert.Single(modal.Program.OnlyRun().Steps).Attempts).Backend?.Id);
    }

    [RegistryFact]
    public async Task A_call_changed_since_the_interruption_runs_afresh_and_its_old_sandbox_is_terminated()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        await KillOrchestratorAfterAsync(modal, "RemoteTicks", "tick 3 of 40");
        var old = Assert.Single(modal.Emulator.Sandboxes);

        // Same run, other settings for the call: its cache key differs, so the old sandbox's work does not count.
        var resumed = await modal.Program.RunAsync("resume", "--set", "SlowTicks.CpuCount=0.5");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(2, modal.Emulator.RequestsFor(CreateRpc).Count);
        var ended = modal.Emulator.Sandboxes.Single(s => s.SandboxId == old.SandboxId);
        Assert.Equal("Terminated", ended.ResultStatus);
        Assert.Equal(0, modal.Emulator.RunningSandboxCount);
    }

    /// <summary>The create RPC the client uses for the test's GPU-less step, as Modal's JS SDK does by default.</summary>
    private const string CreateRpc = "SandboxCreateV2";
}
