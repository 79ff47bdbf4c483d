using StepOperator.ModalEmulator.Faults;
using StepOperator.Modal.Protocol;
using GenericStatus = StepOperator.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>Sandboxes ended from outside: timeout, terminate, injected kills, out of memory, the emulator stopping.</summary>
public sealed class SandboxEndingTests(DockerEngineFixture docker) : IClassFixture<DockerEngineFixture>
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

    /// <summary>Holds about 300 MB in a shell variable, then prints its length.</summary>
    private static readonly string[] Allocate300MB = ["sh", "-c", "x=$(head -c 300000000 /dev/zero | tr '\\0' a); echo ${#x}"];

    [DockerFact]
    public async Task A_killed_sandbox_ends_as_the_fault_says_and_an_evicted_one_with_MEMORY_MANAGER_EVICTION()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var killed = await client.SandboxAsync(["sleep", "60"]);
        var evicted = await client.SandboxAsync(["sleep", "60"]);
        await client.TaskIdAsync(killed, Within);
        await client.TaskIdAsync(evicted, Within);

        await modal.Faults.KillSandboxAsync(killed, SandboxKill.InternalFailure);
        await modal.Faults.EvictSandboxAsync(evicted);

        Assert.Equal(GenericStatus.InternalFailure, (await client.WaitAsync(killed, Within)).Status);
        var eviction = await client.WaitAsync(evicted, Within);
        Assert.Equal(GenericStatus.MemoryManagerEviction, eviction.Status);
        Assert.Contains("memory pressure", eviction.Exception);
    }

    [DockerFact]
    public async Task Memory_mb_reserves_and_does_not_cap_a_sandbox_that_uses_more()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);

        var sandboxId = await client.SandboxAsync(Allocate300MB, request => request.Definition.Resources = new Resources { MilliCpu = 1000, MemoryMb = 64 });
        var result = await client.WaitAsync(sandboxId, Within);

        Assert.True(result.Status == GenericStatus.Success, $"{result.Status} {result.Exitcode} {result.Exception}");
        Assert.Equal("300000000\n", await client.LogsAsync(sandboxId, FileDescriptor.Stdout));
    }

    [DockerFact]
    public async Task A_sandbox_over_its_memory_mb_max_is_killed_and_ends_as_a_failure_with_exit_code_137_not_as_an_eviction()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);

        var sandboxId = await client.SandboxAsync(Allocate300MB, request => request.Definition.Resources = new Resources { MilliCpu = 1000, MemoryMb = 64, MemoryMbMax = 128 });
        var result = await client.WaitAsync(sandboxId, Within);

        Assert.True(result.Status == GenericStatus.Failure, $"{result.Status} {result.Exitcode} {result.Exception}");
        Assert.Equal(137, result.Exitcode);
        Assert.Contains("memory limit (memory_mb_max 128 MiB)", result.Exception);
        Assert.Equal(string.Empty, await client.LogsAsync(sandboxId, FileDescriptor.Stdout));
    }

    [DockerFact]
    public async Task Milli_cpu_max_is_the_CPU_cap_and_memory_mb_max_the_memory_cap()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);

        var sandboxId = await client.SandboxAsync(["sleep", "60"], request => request.Definition.Resources = new Resources { MilliCpu = 250, MilliCpuMax = 750, MemoryMb = 64, MemoryMbMax = 192 });
        await client.TaskIdAsync(sandboxId, Within);

        var container = Assert.Single(await docker.ContainersAsync(ModalEmulator.SandboxLabel, sandboxId));
        var host = (await docker.Client.Containers.InspectContainerAsync(container.ID)).HostConfig!;
        Assert.Equal(750_000_000, host.NanoCPUs);
        Assert.Equal(256, host.CPUShares);
        Assert.Equal(192L * 1024 * 1024, host.Memory);
        Assert.Equal(192L * 1024 * 1024, host.MemorySwap);
        Assert.Equal(64L * 1024 * 1024, host.MemoryReservation);
        var snapshot = Assert.Single(modal.Sandboxes);
        Assert.Equal((250, 750, 64, 192), (snapshot.MilliCpu, snapshot.MilliCpuMax, snapshot.MemoryMb, snapshot.MemoryMbMax));
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
