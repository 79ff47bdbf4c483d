using Grpc.Core;
using StepOperator.Modal.Protocol;
using GenericStatus = StepOperator.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>Sandboxes that run to their end: output per file descriptor, exit codes, limits and environment.</summary>
public sealed class SandboxRunTests(DockerEngineFixture docker) : IClassFixture<DockerEngineFixture>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [DockerFact]
    public async Task A_failing_command_has_its_output_per_file_descriptor_and_its_exit_code()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);

        var sandboxId = await client.SandboxAsync(["sh", "-c", "echo out; echo err >&2; exit 3"]);
        var taskId = await client.TaskIdAsync(sandboxId, Within);
        var stdout = await client.LogsAsync(sandboxId, FileDescriptor.Stdout);
        var stderr = await client.LogsAsync(sandboxId, FileDescriptor.Stderr);
        var result = await client.WaitAsync(sandboxId, Within);

        Assert.Matches("^sb-[0-9A-Za-z]{22}$", sandboxId);
        Assert.Matches("^ta-[0-9A-Za-z]{21}S$", taskId); // V1 task ids never end in "V", the V2 marker
        Assert.Equal("out\n", stdout);
        Assert.Equal("err\n", stderr);
        Assert.Equal(GenericStatus.Failure, result.Status);
        Assert.Equal(3, result.Exitcode);

        // Finished and its output read: no container left.
        Assert.Empty(await docker.ContainersAsync(ModalEmulator.SandboxLabel, sandboxId));
        var ended = await client.Raw.SandboxGetTaskIdAsync(new SandboxGetTaskIdRequest { SandboxId = sandboxId }, client.Call());
        Assert.Equal(taskId, ended.TaskId);
        Assert.Equal(GenericStatus.Failure, ended.TaskResult.Status);
    }

    [DockerFact]
    public async Task A_sandbox_runs_with_its_secrets_workdir_reservations_and_host_network_and_its_GPUs_are_recorded()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var first = await client.SecretAsync(new Dictionary<string, string> { ["GREETING"] = "hello", ["WHO"] = "nobody" });
        var second = await client.SecretAsync(new Dictionary<string, string> { ["WHO"] = "world" });

        var sandboxId = await client.SandboxAsync(["sh", "-c", "echo $GREETING $WHO; pwd; sleep 60"], request =>
        {
            request.Definition.SecretIds.Add(first);
            request.Definition.SecretIds.Add(second);
            request.Definition.Workdir = "/tmp";
            request.Definition.Resources = new Resources { MilliCpu = 500, MemoryMb = 256, GpuConfig = new GPUConfig { GpuType = "A100", Count = 2 } };
            request.Tags.Add(new SandboxTag { TagName = "step", TagValue = "train" });
        });
        await client.TaskIdAsync(sandboxId, Within);
        var output = await ReadUntilAsync(client, sandboxId, "/tmp\n");

        Assert.Equal("hello world\n/tmp\n", output);
        var container = Assert.Single(await docker.ContainersAsync(ModalEmulator.SandboxLabel, sandboxId));
        var inspected = await docker.Client.Containers.InspectContainerAsync(container.ID);
        var host = inspected.HostConfig!;
        var machineMilliCpu = (await docker.Client.System.GetSystemInfoAsync()).NCPU * 1000L;

        // Reservations, not caps (as on Modal): CPU shares and a memory reservation; the CPU cap is Modal's
        // soft limit, the request + 4 cores, at most the machine; no memory cap without memory_mb_max.
        Assert.Equal(512, host.CPUShares);
        Assert.Equal(Math.Min(500 + 4_000, machineMilliCpu) * 1_000_000, host.NanoCPUs);
        Assert.True(host.NanoCPUs > 500_000_000, $"CPU capped at the request: {host.NanoCPUs}");
        Assert.Equal(256L * 1024 * 1024, host.MemoryReservation);
        Assert.Equal(0, host.Memory);
        Assert.Equal("host", host.NetworkMode);
        var labels = inspected.Config!.Labels!;
        Assert.Equal("A100:2", labels[ModalEmulator.GpuLabel]);
        Assert.Equal(modal.InstanceId, labels[ModalEmulator.InstanceLabel]);

        var snapshot = Assert.Single(modal.Sandboxes);
        Assert.True(snapshot.IsRunning);
        Assert.Equal(1, modal.RunningSandboxCount);
        Assert.Equal(("A100", 2), (snapshot.GpuType, snapshot.GpuCount));
        Assert.Equal("train", snapshot.Tags["step"]);
        Assert.Equal("world", snapshot.Environment["WHO"]);
    }

    [DockerFact]
    public async Task A_logs_stream_ends_at_its_timeout_without_eof_and_resumes_after_the_last_entry_id()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var sandboxId = await client.SandboxAsync(["sh", "-c", "echo one; sleep 3; echo two"]);
        await client.TaskIdAsync(sandboxId, Within);

        var first = new List<TaskLogsBatch>();
        using (var call = client.Raw.SandboxGetLogs(new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = FileDescriptor.Stdout, Timeout = 1.5f, LastEntryId = "0-0" }, client.Call()))
        {
            await foreach (var batch in call.ResponseStream.ReadAllAsync())
            {
                first.Add(batch);
            }
        }

        Assert.Equal("one\n", string.Concat(first.SelectMany(b => b.Items).Select(i => i.Data)));
        Assert.DoesNotContain(first, b => b.Eof);

        var rest = await ReadAllAsync(client, sandboxId, first[^1].EntryId);
        Assert.Equal("two\n", string.Concat(rest.SelectMany(b => b.Items).Select(i => i.Data)));
        Assert.True(rest[^1].Eof);
        Assert.Equal(GenericStatus.Success, (await client.WaitAsync(sandboxId, Within)).Status);

        // From the start again after the end: everything, then eof.
        var replay = await ReadAllAsync(client, sandboxId, "0-0");
        Assert.Equal("one\ntwo\n", string.Concat(replay.SelectMany(b => b.Items).Select(i => i.Data)));
        Assert.True(replay[^1].Eof);
    }

    private static async Task<List<TaskLogsBatch>> ReadAllAsync(EmulatorClient client, string sandboxId, string lastEntryId)
    {
        var batches = new List<TaskLogsBatch>();
        using var call = client.Raw.SandboxGetLogs(new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = FileDescriptor.Stdout, Timeout = 30, LastEntryId = lastEntryId }, client.Call());
        await foreach (var batch in call.ResponseStream.ReadAllAsync())
        {
            batches.Add(batch);
        }

        return batches;
    }

    /// <summary>Reads stdout (in short streams) until it ends with <paramref name="suffix"/>.</summary>
    private static async Task<string> ReadUntilAsync(EmulatorClient client, string sandboxId, string suffix)
    {
        var text = string.Empty;
        var lastEntryId = "0-0";
        var deadline = DateTime.UtcNow + Within;
        while (!text.EndsWith(suffix, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            using var call = client.Raw.SandboxGetLogs(new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = FileDescriptor.Stdout, Timeout = 1, LastEntryId = lastEntryId }, client.Call());
            await foreach (var batch in call.ResponseStream.ReadAllAsync())
            {
                lastEntryId = batch.EntryId;
                text += string.Concat(batch.Items.Select(i => i.Data));
            }
        }

        return text;
    }
}
