using System.Text.RegularExpressions;
using StepOperator.Runs;
using StepOperator.Stacks.Modal;

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

    [DockerFact]
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
        Assert.Single(modal.Emulator.RequestsFor("SandboxCreate"));
        var after = Ticks(resumed.Output);
        Assert.DoesNotContain(1, after); // read before the kill: not printed again
        Assert.Equal(Enumerable.Range(1, 40), Ticks(before.Output).Concat(after).Distinct().Order());
        var step = Assert.Single(modal.Program.OnlyRun().Steps);
        Assert.Equal(StepStatus.Succeeded, step.Status);
        Assert.Equal(backend.Id, Assert.Single(step.Attempts).Backend?.Id);
        Assert.Equal(0, modal.Emulator.RunningSandboxCount);
    }

    [DockerFact]
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
        Assert.Single(modal.Emulator.RequestsFor("SandboxCreate"));
        Assert.Equal(Enumerable.Range(1, 16), Ticks(before.Output).Concat(Ticks(resumed.Output)).Distinct().Order());
        Assert.Equal(StepStatus.Succeeded, Assert.Single(modal.Program.OnlyRun().Steps).Status);
    }
}
