using StepOperator.ModalEmulator.Faults;
using StepOperator.Stacks.Modal.Protocol;
using GenericStatus = StepOperator.Stacks.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>Sandboxes ended from outside: timeout, terminate, injected kills, out of memory, the emulator stopping.</summary>
public sealed class SandboxEndingTests(DockerFixture docker) : IClassFixture<DockerFixture>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [DockerFact]
    public async Task A_sandbox_over_its_timeout_is_killed_with_TIMEOUT()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);

        var sandboxId = await client.SandboxAsync(["sleep", "60"], request => request.Definition.TimeoutSecs = 1);
        var result = await client.WaitAsync(sandboxId, TimeSpan.FromSeconds(20));

        Assert.Equal(GenericStatus.Timeout, result.Status);
        Assert.Empty(await docker.ContainersAsync(ModalEmulator.SandboxLabel, sandboxId));
    }

    [DockerFact]
    public async Task Terminating_a_sleeping_sandbox_ends_it_with_TERMINATED_and_leaves_no_container()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var sandboxId = await client.SandboxAsync(["sleep", "60"]);
        await client.TaskIdAsync(sandboxId, Within);
        var running = await client.Raw.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = sandboxId, Timeout = 0.5f }, client.Call());
        Assert.Null(running.Result); // ABSENT while it runs
        Assert.Equal(1, modal.RunningSandboxCount);

        var terminated = await client.Raw.SandboxTerminateAsync(new SandboxTerminateRequest { SandboxId = sandboxId }, client.Call());

        Assert.Null(terminated.ExistingResult);
        Assert.Equal(GenericStatus.Terminated, (await client.WaitAsync(sandboxId, Within)).Status);
        Assert.Empty(await docker.ContainersAsync(ModalEmulator.SandboxLabel, sandboxId));
        Assert.Equal(0, modal.RunningSandboxCount);
        Assert.Equal(string.Empty, await client.LogsAsync(sandboxId, FileDescriptor.Stdout));

        var again = await client.Raw.SandboxTerminateAsync(new SandboxTerminateRequest { SandboxId = sandboxId }, client.Call());
        Assert.Equal(GenericStatus.Terminated, again.ExistingResult.Status);
    }

    [DockerFact]
    public async Task A_killed_sandbox_ends_as_the_fault_says_and_an_out_of_memory_one_as_evicted()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var killed = await client.SandboxAsync(["sleep", "60"]);
        var hungry = await client.SandboxAsync(["sh", "-c", "x=$(head -c 300000000 /dev/zero | tr '\\0' a); echo ${#x}"],
            request => request.Definition.Resources = new Resources { MilliCpu = 1000, MemoryMb = 64 });
        await client.TaskIdAsync(killed, Within);

        await modal.Faults.KillSandboxAsync(killed, SandboxKill.MemoryEviction);

        Assert.Equal(GenericStatus.MemoryManagerEviction, (await client.WaitAsync(killed, Within)).Status);
        var oom = await client.WaitAsync(hungry, Within);
        Assert.True(oom.Status == GenericStatus.MemoryManagerEviction, $"{oom.Status} {oom.Exitcode} {oom.Exception}");
        Assert.Contains("64 MiB", oom.Exception);
    }

    [DockerFact]
    public async Task Disposing_the_emulator_removes_all_its_containers()
    {
        var modal = await ModalEmulator.StartAsync();
        string sandboxId;
        using (var client = new EmulatorClient(modal))
        {
            sandboxId = await client.SandboxAsync(["sleep", "60"]);
            await client.TaskIdAsync(sandboxId, Within);
        }

        Assert.Single(await docker.ContainersAsync(ModalEmulator.InstanceLabel, modal.InstanceId));
        await modal.DisposeAsync();

        Assert.Empty(await docker.ContainersAsync(ModalEmulator.InstanceLabel, modal.InstanceId));
        Assert.Equal(GenericStatus.Terminated.ToString(), Assert.Single(modal.Sandboxes).ResultStatus);
    }
}
