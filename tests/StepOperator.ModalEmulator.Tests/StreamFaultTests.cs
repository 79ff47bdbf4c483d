using System.Text;
using Grpc.Core;
using StepOperator.ModalEmulator.Faults;
using StepOperator.Modal.Protocol;
using GenericStatus = StepOperator.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.ModalEmulator.Tests;

/// <summary>Faults on the streaming RPCs, responses and image builds: failed and cut streams, late answers, failing builds.</summary>
public sealed class StreamFaultTests(DockerEngineFixture docker) : IClassFixture<DockerEngineFixture>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Prints "line 1" .. "line <paramref name="count"/>", each in two writes a moment apart, so the
    /// output arrives as many entries, and entries are half lines.
    /// </summary>
    private static string[] Lines(int count) =>
        ["sh", "-c", $"i=1; while [ $i -le {count} ]; do printf 'line '; sleep 0.02; printf '%s\\n' $i; sleep 0.02; i=$((i+1)); done"];

    private static string Expected(int count) => string.Concat(Enumerable.Range(1, count).Select(i => $"line {i}\n"));

    [DockerFact]
    public async Task FailNext_fails_a_streaming_call_before_its_first_message()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var sandboxId = await client.SandboxAsync(["sh", "-c", "echo out"]);
        await client.WaitAsync(sandboxId, Within);
        modal.Faults.FailNext(ModalRpc.SandboxGetLogs, StatusCode.Unavailable, times: 2);

        for (var i = 0; i < 2; i++)
        {
            using var call = client.Raw.SandboxGetLogs(new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = FileDescriptor.Stdout, Timeout = 5 }, client.Call());
            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }

        Assert.Equal("out\n", await client.LogsAsync(sandboxId, FileDescriptor.Stdout));
        Assert.Equal(3, modal.RequestsFor(ModalRpc.SandboxGetLogs).Count);

        // ImageJoinStreaming too.
        var appId = await client.AppAsync();
        var image = await client.ImageAsync(appId, DockerTestEnvironment.BaseImage);
        modal.Faults.FailNext(ModalRpc.ImageJoinStreaming, StatusCode.Unavailable);
        using (var call = client.Raw.ImageJoinStreaming(new ImageJoinStreamingRequest { ImageId = image.ImageId, Timeout = 5 }, client.Call()))
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }

        Assert.Equal(GenericStatus.Success, (await client.JoinImageAsync(image.ImageId)).Result.Status);
    }

    [DockerTheory]
    [InlineData(StreamCut.ResetStream)]
    [InlineData(StreamCut.CloseConnection)]
    [InlineData(StreamCut.Unavailable)]
    public async Task A_cut_log_stream_ends_with_an_error_after_exactly_the_planned_entries_and_resumes_from_its_last_entry_id(StreamCut how)
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var sandboxId = await client.SandboxAsync(Lines(30));
        Assert.Equal(GenericStatus.Success, (await client.WaitAsync(sandboxId, Within)).Status);
        var sleeper = how == StreamCut.CloseConnection ? await client.SandboxAsync(["sleep", "60"]) : null;
        var poll = sleeper is null ? null : client.Raw.SandboxWaitAsync(new SandboxWaitRequest { SandboxId = sleeper, Timeout = 50 }, client.Call());
        modal.Faults.CutStream(ModalRpc.SandboxGetLogs, afterEntries: 7, logs: LogStream.Stdout, how: how);
        modal.Faults.CutStream(ModalRpc.SandboxGetLogs, afterEntries: 0, logs: LogStream.Stdout, how: how);

        // The first stream: exactly 7 entries, then an error instead of eof.
        var text = new StringBuilder();
        var lastEntryId = "0-0";
        var received = 0;
        using (var call = client.Raw.SandboxGetLogs(new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = FileDescriptor.Stdout, Timeout = 10, LastEntryId = lastEntryId }, client.Call()))
        {
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                await foreach (var batch in call.ResponseStream.ReadAllAsync())
                {
                    received += batch.Items.Count;
                    text.Append(string.Concat(batch.Items.Select(i => i.Data)));
                    lastEntryId = batch.EntryId;
                    Assert.False(batch.Eof);
                }
            });
            Assert.NotEqual(StatusCode.OK, error.StatusCode);
        }

        Assert.Equal(7, received);
        if (poll is not null)
        {
            // Closing the connection ends every call on it, here a long poll of another sandbox.
            var lost = await Assert.ThrowsAsync<RpcException>(() => poll.ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, lost.StatusCode);
            poll.Dispose();
        }

        // The second stream is cut before any entry; the third, from the last entry id, has the rest once.
        using (var call = client.Raw.SandboxGetLogs(new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = FileDescriptor.Stdout, Timeout = 10, LastEntryId = lastEntryId }, client.Call()))
        {
            await Assert.ThrowsAsync<RpcException>(async () =>
            {
                await foreach (var batch in call.ResponseStream.ReadAllAsync())
                {
                    Assert.Empty(batch.Items);
                }
            });
        }

        using (var call = client.Raw.SandboxGetLogs(new SandboxGetLogsRequest { SandboxId = sandboxId, FileDescriptor = FileDescriptor.Stdout, Timeout = 10, LastEntryId = lastEntryId }, client.Call()))
        {
            await foreach (var batch in call.ResponseStream.ReadAllAsync())
            {
                text.Append(string.Concat(batch.Items.Select(i => i.Data)));
            }
        }

        Assert.Equal(Expected(30), text.ToString());
        if (sleeper is not null)
        {
            await client.Raw.SandboxTerminateAsync(new SandboxTerminateRequest { SandboxId = sleeper }, client.Call());
        }

        Assert.Equal(0, modal.RunningSandboxCount);
        Assert.Empty(await docker.ContainersAsync(ModalEmulator.InstanceLabel, modal.InstanceId));
    }

    [DockerFact]
    public async Task A_cut_applies_only_to_the_log_stream_it_names()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var sandboxId = await client.SandboxAsync(["sh", "-c", "echo out; echo err >&2"]);
        await client.WaitAsync(sandboxId, Within);
        modal.Faults.CutStream(ModalRpc.SandboxGetLogs, afterEntries: 0, logs: LogStream.Stderr, how: StreamCut.Unavailable);

        Assert.Equal("out\n", await client.LogsAsync(sandboxId, FileDescriptor.Stdout));
        var error = await Assert.ThrowsAsync<RpcException>(() => client.LogsAsync(sandboxId, FileDescriptor.Stderr));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("err\n", await client.LogsAsync(sandboxId, FileDescriptor.Stderr));
        Assert.Throws<ArgumentException>(() => modal.Faults.CutStream(ModalRpc.SandboxWait, 1));
    }

    [Fact]
    public async Task A_delayed_response_is_carried_out_although_the_client_gave_up_waiting()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        await client.LoginAsync();
        modal.Faults.DelayResponses(ModalRpc.AppGetOrCreate, TimeSpan.FromMinutes(5));
        var request = new AppGetOrCreateRequest { AppName = "late", ObjectCreationType = ObjectCreationType.CreateIfMissing };

        var options = new CallOptions(client.Headers(), DateTime.UtcNow.AddMilliseconds(500));
        var error = await Assert.ThrowsAsync<RpcException>(() => client.Raw.AppGetOrCreateAsync(request, options).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);

        // The app was created all the same: a lookup finds it, and the delay was used up.
        var lookup = new AppGetOrCreateRequest { AppName = "late", ObjectCreationType = ObjectCreationType.Unspecified };
        Assert.StartsWith("ap-", (await client.Raw.AppGetOrCreateAsync(lookup, client.Call())).AppId);
        Assert.Throws<ArgumentException>(() => modal.Faults.DelayResponses(ModalRpc.SandboxGetLogs, TimeSpan.FromSeconds(1)));
    }

    [DockerFact]
    public async Task An_image_build_can_be_made_to_fail_then_the_same_image_builds_again()
    {
        await using var modal = await ModalEmulator.StartAsync();
        using var client = new EmulatorClient(modal);
        var appId = await client.AppAsync();
        modal.Faults.FailImageBuilds("the builder ran out of disk");

        var image = await client.ImageAsync(appId, DockerTestEnvironment.BaseImage);
        var (result, lines, _) = await client.JoinImageAsync(image.ImageId);

        Assert.Equal(GenericStatus.Failure, result.Status);
        Assert.Contains($"Image build for {DockerTestEnvironment.BaseImage} failed: the builder ran out of disk", result.Exception);
        Assert.Contains(lines, l => l.Contains("ran out of disk", StringComparison.Ordinal));

        // A sandbox of the failed image is refused; the next build of the same image (not reused: it failed) succeeds.
        var create = new SandboxCreateRequest { AppId = appId, Definition = new Sandbox { ImageId = image.ImageId, EntrypointArgs = { "true" }, TimeoutSecs = 60 } };
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.Raw.SandboxCreateAsync(create, client.Call()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var again = await client.ImageAsync(appId, DockerTestEnvironment.BaseImage);
        Assert.NotEqual(image.ImageId, again.ImageId);
        Assert.Equal(GenericStatus.Success, (await client.JoinImageAsync(again.ImageId)).Result.Status);
        Assert.Empty(modal.Sandboxes);
        Assert.Empty(await docker.ContainersAsync(ModalEmulator.InstanceLabel, modal.InstanceId));
    }
}
