using Grpc.Core;
using StepOperator.ModalEmulator.Sandboxes;
using StepOperator.Modal.Protocol;
using GenericStatus = StepOperator.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>V2 sandboxes: SandboxCreateV2, the V2 RPCs, and their output through the task command router.</summary>
public sealed class V2SandboxTests(DockerEngineFixture docker) : IClassFixture<DockerEngineFixture>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [DockerFact]
    public async Task A_V2_sandbox_has_V2_ids_its_inline_environment_and_its_output_and_exit_code_through_the_router()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var secret = await client.SecretAsync(new Dictionary<string, string> { ["GREETING"] = "hello", ["WHO"] = "secret" });

        var created = await client.SandboxV2Async(["sh", "-c", "echo $GREETING $WHO; echo oops >&2; exit 5"], request =>
        {
            request.Definition.SecretIds.Add(secret);
            request.EphemeralSecrets = new StringMap { Contents = { ["WHO"] = "inline" } };
        });
        var (stdout, items) = await client.StdioAsync(modal, created.TaskId, created.CommandRouterAccess.Jwt, SandboxStdioFileDescriptor.Stdout);
        var (stderr, _) = await client.StdioAsync(modal, created.TaskId, created.CommandRouterAccess.Jwt, SandboxStdioFileDescriptor.Stderr);
        var result = await client.WaitV2Async(created.SandboxId, Within);

        // ULID-shaped (26 Crockford base-32 characters), so Modal's SDKs route it to the V2 RPCs; a V2 task id ends in "V".
        Assert.Matches("^sb-[0-9A-HJKMNP-TV-Z]{26}$", created.SandboxId);
        Assert.Matches("^ta-[0-9A-HJKMNP-TV-Z]{25}V$", created.TaskId);
        Assert.Equal($"https://127.0.0.1:{modal.RouterPort}", created.CommandRouterAccess.Url);
        Assert.Equal(3, created.CommandRouterAccess.Jwt.Split('.').Length);
        Assert.Equal("hello inline\n", stdout);
        Assert.Equal(0UL, items[0].StartingOffset);
        Assert.All(items, i => Assert.False(i.Data.IsEmpty));
        Assert.Equal("oops\n", stderr);
        Assert.Equal((GenericStatus.Failure, 5), (result.Status, result.Exitcode));
        var snapshot = Assert.Single(modal.Sandboxes);
        Assert.Equal(SandboxVersion.V2, snapshot.Version);
        Assert.Equal("inline", snapshot.Environment["WHO"]);
        Assert.Empty(await docker.ContainersAsync(ModalEmulator.SandboxLabel, created.SandboxId));

        var taskId = await client.Raw.SandboxGetTaskIdV2Async(new SandboxGetTaskIdRequest { SandboxId = created.SandboxId }, client.Call());
        Assert.Equal(created.TaskId, taskId.TaskId);
        Assert.Equal(GenericStatus.Failure, taskId.TaskResult.Status);
    }

    [DockerFact]
    public async Task The_router_reads_from_a_byte_offset_while_the_sandbox_runs_and_ends_with_its_output()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var created = await client.SandboxV2Async(["sh", "-c", "printf 'héllo\\n'; sleep 2; printf 'world\\n'"]);

        // Offset 3 is inside the output's bytes ("h", then the two bytes of "é"): the stream starts there.
        var (text, items) = await client.StdioAsync(modal, created.TaskId, created.CommandRouterAccess.Jwt, SandboxStdioFileDescriptor.Stdout, offset: 3);

        Assert.Equal("llo\nworld\n", text);
        Assert.True(items.Count >= 2, "the second line arrives later, in a message of its own");
        Assert.Equal(3UL, items[0].StartingOffset);
        Assert.Equal(7UL, items[1].StartingOffset); // "héllo\n" is 7 bytes
        var (all, _) = await client.StdioAsync(modal, created.TaskId, created.CommandRouterAccess.Jwt, SandboxStdioFileDescriptor.Stdout);
        Assert.Equal("héllo\nworld\n", all);
        var (past, pastItems) = await client.StdioAsync(modal, created.TaskId, created.CommandRouterAccess.Jwt, SandboxStdioFileDescriptor.Stdout, offset: 100);
        Assert.Equal((string.Empty, 0), (past, pastItems.Count));
    }

    [DockerFact]
    public async Task The_router_refuses_missing_foreign_and_expired_JWTs_with_UNAUTHENTICATED_and_SandboxGetCommandRouterAccess_gives_a_new_one()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var created = await client.SandboxV2Async(["sh", "-c", "echo hi"]);
        var read = new SandboxStdioReadV2Request { TaskId = created.TaskId, FileDescriptor = SandboxStdioFileDescriptor.Stdout };

        async Task<StatusCode> Refused(Metadata headers)
        {
            using var call = client.Router(modal).SandboxStdioReadV2(read, headers);
            var error = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());
            return error.StatusCode;
        }

        Assert.Equal(StatusCode.Unauthenticated, await Refused(new Metadata()));
        Assert.Equal(StatusCode.Unauthenticated, await Refused(EmulatorClient.Bearer(modal.IssueCommandRouterToken(created.TaskId, TimeSpan.FromSeconds(-5)))));
        Assert.Equal(StatusCode.Unauthenticated, await Refused(EmulatorClient.Bearer(modal.IssueCommandRouterToken("ta-01ARZ3NDEKTSV4RRFFQ69G5FAV", TimeSpan.FromMinutes(5)))));
        Assert.Equal(StatusCode.Unauthenticated, await Refused(EmulatorClient.Bearer(client.AuthToken ?? await client.LoginAsync()))); // an API auth token is not a router JWT

        var bySandbox = await client.Raw.SandboxGetCommandRouterAccessAsync(new SandboxGetCommandRouterAccessRequest { SandboxId = created.SandboxId }, client.Call());
        var byTask = await client.Raw.SandboxGetCommandRouterAccessAsync(new SandboxGetCommandRouterAccessRequest { TaskId = created.TaskId }, client.Call());
        Assert.Equal(created.CommandRouterAccess.Url, bySandbox.Url);
        Assert.Equal("hi\n", (await client.StdioAsync(modal, created.TaskId, bySandbox.Jwt, SandboxStdioFileDescriptor.Stdout)).Text);
        Assert.Equal("hi\n", (await client.StdioAsync(modal, created.TaskId, byTask.Jwt, SandboxStdioFileDescriptor.Stdout)).Text);
    }

    [DockerFact]
    public async Task V1_RPCs_do_not_find_V2_sandboxes_nor_V2_RPCs_V1_ones_and_V2_refuses_GPUs()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var v2 = await client.SandboxV2Async(["sleep", "60"]);
        var v1 = await client.SandboxAsync(["sleep", "60"]);

        var wait = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = v2.SandboxId }, client.Call()).ResponseAsync);
        var terminate = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxTerminateV2Async(new SandboxTerminateRequest { SandboxId = v1 }, client.Call()).ResponseAsync);
        var access = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxGetCommandRouterAccessAsync(new SandboxGetCommandRouterAccessRequest { SandboxId = v1 }, client.Call()).ResponseAsync);
        var gpu = await Assert.ThrowsAsync<RpcException>(() => client.SandboxV2Async(["true"], r => r.Definition.Resources.GpuConfig = new GPUConfig { GpuType = "T4", Count = 1 }));

        Assert.Equal(StatusCode.NotFound, wait.StatusCode);
        Assert.Contains("is a V2 sandbox", wait.Status.Detail);
        Assert.Contains("SandboxWaitV2", wait.Status.Detail);
        Assert.Equal(StatusCode.NotFound, terminate.StatusCode);
        Assert.Contains("SandboxTerminate", terminate.Status.Detail);
        Assert.Equal(StatusCode.NotFound, access.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, gpu.StatusCode);
        Assert.Contains("no GPUs", gpu.Status.Detail);
        Assert.All(modal.Sandboxes, s => Assert.Null(s.ResultStatus)); // the refused calls changed nothing
    }

    [DockerFact]
    public async Task Terminating_a_V2_sandbox_ends_it_with_TERMINATED_and_ends_its_router_stream()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var created = await client.SandboxV2Async(["sh", "-c", "echo started; sleep 60"]);
        var reading = client.StdioAsync(modal, created.TaskId, created.CommandRouterAccess.Jwt, SandboxStdioFileDescriptor.Stdout);
        while (!modal.Sandboxes.Single().IsRunning)
        {
            await Task.Delay(100);
        }

        var terminated = await client.Raw.SandboxTerminateV2Async(new SandboxTerminateRequest { SandboxId = created.SandboxId }, client.Call());

        Assert.Null(terminated.ExistingResult);
        Assert.Equal(GenericStatus.Terminated, (await client.WaitV2Async(created.SandboxId, Within)).Status);
        Assert.Equal("started\n", (await reading.WaitAsync(Within)).Text);
    }

    [DockerFact]
    public async Task An_evicted_V2_sandbox_ends_with_MEMORY_MANAGER_EVICTION()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var created = await client.SandboxV2Async(["sleep", "60"]);
        while (!modal.Sandboxes.Single().IsRunning)
        {
            await Task.Delay(100);
        }

        await modal.Faults.EvictSandboxAsync(created.SandboxId);

        Assert.Equal(GenericStatus.MemoryManagerEviction, (await client.WaitV2Async(created.SandboxId, Within)).Status);
    }

    [DockerFact]
    public async Task SandboxList_finds_V1_sandboxes_by_app_environment_and_tags_SandboxListV2_both_kinds()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var first = await client.SandboxAsync(["sleep", "60"], r => r.Tags.Add(new SandboxTag { TagName = "run", TagValue = "a" }));
        var done = await client.SandboxAsync(["true"], r => r.Tags.Add(new SandboxTag { TagName = "run", TagValue = "a" }));
        var other = await client.SandboxAsync(["sleep", "60"], r => r.Tags.Add(new SandboxTag { TagName = "run", TagValue = "b" }));
        var v2 = await client.SandboxV2Async(["sleep", "60"], r => r.Tags.Add(new SandboxTag { TagName = "run", TagValue = "a" }));
        await client.WaitAsync(done, Within);
        var runA = new SandboxTag { TagName = "run", TagValue = "a" };

        async Task<List<string>> List(bool v2Rpc, Action<SandboxListRequest>? configure = null)
        {
            var request = new SandboxListRequest();
            configure?.Invoke(request);
            var response = v2Rpc
                ? await client.Raw.SandboxListV2Async(request, client.Call())
                : await client.Raw.SandboxListAsync(request, client.Call());
            return response.Sandboxes.Select(s => s.Id).ToList();
        }

        Assert.Equal([first], await List(false, r => r.Tags.Add(runA))); // running only, V1 only, tag matched
        Assert.Equal([done, first], await List(false, r => { r.Tags.Add(runA); r.IncludeFinished = true; })); // newest first
        Assert.Equal([v2.SandboxId, first], await List(true, r => r.Tags.Add(runA)));
        Assert.Equal([other, first], await List(false)); // the default environment, no tag filter
        Assert.Empty(await List(false, r => r.EnvironmentName = "elsewhere"));
        var byApp = await client.Raw.SandboxListAsync(new SandboxListRequest { AppId = modal.Sandboxes.Single(s => s.SandboxId == other).AppId }, client.Call());
        var info = Assert.Single(byApp.Sandboxes);
        Assert.Equal(other, info.Id);
        Assert.Equal("b", Assert.Single(info.Tags).TagValue);
        Assert.Equal(other, info.TaskInfo.SandboxId);
        Assert.NotEmpty(info.TaskInfo.Id);

        // Pages: before_timestamp is the created_at of the last one seen.
        var page = await client.Raw.SandboxListV2Async(new SandboxListRequest { IncludeFinished = true }, client.Call());
        Assert.Equal(4, page.Sandboxes.Count);
        var after = await client.Raw.SandboxListV2Async(new SandboxListRequest { IncludeFinished = true, BeforeTimestamp = page.Sandboxes[1].CreatedAt }, client.Call());
        Assert.Equal(page.Sandboxes.Skip(2).Select(s => s.Id), after.Sandboxes.Select(s => s.Id));
    }
}
