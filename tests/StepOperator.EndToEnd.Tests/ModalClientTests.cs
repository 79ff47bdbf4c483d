using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using StepOperator.Docker;
using StepOperator.Modal;
using StepOperator.Modal.Protocol;
using StepOperator.ModalEmulator;
using StepOperator.ModalEmulator.Faults;
using StepOperator.Runs;
using StepOperator.S3;
using StepOperator.Stacks;

namespace StepOperator.EndToEnd.Tests;

/// <summary>The Modal client and step operator against the emulator: credentials, retries, endings.</summary>
[Collection(DockerCollection.Name)]
public class ModalClientTests(DockerEnvironment docker)
{
    private static ModalCredentials CredentialsFor(ModalEmulator.ModalEmulator emulator, string? secret = null) =>
        ModalCredentials.Resolve(emulator.TokenId, secret ?? emulator.TokenSecret, emulator.Url.ToString().TrimEnd('/'), variables: _ => null);

    private static AppGetOrCreateRequest App(string name) => new() { AppName = name, ObjectCreationType = ObjectCreationType.CreateIfMissing };

    [RegistryFact]
    public async Task A_bad_token_fails_at_once_naming_where_it_came_from()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        using var api = new ModalApi(CredentialsFor(emulator, secret: "as-wrong"));

        var error = await Assert.ThrowsAsync<ModalAuthenticationException>(() => api.AppGetOrCreateAsync(App("x"), CancellationToken.None));

        Assert.Contains("Modal refused the token from the step operator's token_id/token_secret (Unauthenticated", error.Message);
        Assert.DoesNotContain("as-wrong", error.Message);
        Assert.Single(emulator.RequestsFor("AuthTokenGet")); // no retries on bad credentials
    }

    [RegistryFact]
    public async Task The_auth_token_is_fetched_once_and_refreshed_before_it_expires()
    {
        await using var lasting = await ModalEmulator.ModalEmulator.StartAsync();
        using (var api = new ModalApi(CredentialsFor(lasting)))
        {
            await api.AppGetOrCreateAsync(App("a"), CancellationToken.None);
            await api.AppGetOrCreateAsync(App("b"), CancellationToken.None);
        }

        Assert.Single(lasting.RequestsFor("AuthTokenGet"));

        // A token that expires within the refresh margin is fetched again before the next call.
        await using var shortLived = await ModalEmulator.ModalEmulator.StartAsync(new ModalEmulatorOptions { AuthTokenLifetime = TimeSpan.FromSeconds(30) });
        using (var api = new ModalApi(CredentialsFor(shortLived)))
        {
            await api.AppGetOrCreateAsync(App("a"), CancellationToken.None);
            await api.AppGetOrCreateAsync(App("b"), CancellationToken.None);
        }

        Assert.Equal(2, shortLived.RequestsFor("AuthTokenGet").Count);
    }

    [RegistryFact]
    public async Task Transient_unavailable_is_retried_to_success_with_one_idempotency_key()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        var delays = new List<TimeSpan>();
        using var api = new ModalApi(CredentialsFor(emulator), (delay, _) => { delays.Add(delay); return Task.CompletedTask; });
        emulator.Faults.FailNext("AppGetOrCreate", StatusCode.Unavailable, times: 2);

        var response = await api.AppGetOrCreateAsync(App("retried"), CancellationToken.None);

        Assert.StartsWith("ap-", response.AppId);
        var attempts = emulator.RequestsFor("AppGetOrCreate");
        Assert.Equal(3, attempts.Count);
        Assert.Single(attempts.Select(a => a.Header("x-idempotency-key")).Distinct());
        Assert.Equal(new[] { "0", "1", "2" }, attempts.Select(a => a.Header("x-retry-attempt")));
        Assert.Null(attempts[0].Header("x-retry-delay"));
        Assert.NotNull(attempts[2].Header("x-retry-delay"));
        Assert.Equal(new[] { TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200) }, delays);
        Assert.All(attempts, a => Assert.NotNull(a.Header("x-modal-auth-token")));
        Assert.All(attempts, a => Assert.Equal(ModalApi.ClientVersion, a.Header("x-modal-client-version")));
    }

    [RegistryFact]
    public async Task Retries_stop_after_three()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        using var api = new ModalApi(CredentialsFor(emulator), (_, _) => Task.CompletedTask);
        emulator.Faults.FailNext("AppGetOrCreate", StatusCode.Unavailable, times: 10);

        var error = await Assert.ThrowsAsync<ModalApiException>(() => api.AppGetOrCreateAsync(App("doomed"), CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, error.Status);
        Assert.Equal(4, emulator.RequestsFor("AppGetOrCreate").Count);
    }

    [RegistryFact]
    public async Task A_server_directed_retry_delay_is_honoured()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        var delays = new List<TimeSpan>();
        using var api = new ModalApi(CredentialsFor(emulator), (delay, _) => { delays.Add(delay); return Task.CompletedTask; });
        emulator.Faults.RetryAfter("AppGetOrCreate", 0.75);

        await api.AppGetOrCreateAsync(App("patient"), CancellationToken.None);

        Assert.Equal(new[] { TimeSpan.FromSeconds(0.75) }, delays);
        Assert.Equal(2, emulator.RequestsFor("AppGetOrCreate").Count);
    }

    [RegistryFact]
    public async Task Throttling_is_honoured_on_any_status_outside_the_retry_budget()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        var delays = new List<TimeSpan>();
        using var api = new ModalApi(CredentialsFor(emulator), (delay, _) => { delays.Add(delay); return Task.CompletedTask; });

        // Six throttled answers (twice the retry budget), on a status that is never retried by itself, then UNAVAILABLE twice.
        emulator.Faults.RetryAfter("AppGetOrCreate", 0.25, times: 6, code: StatusCode.ResourceExhausted);
        emulator.Faults.FailNext("AppGetOrCreate", StatusCode.Unavailable, times: 2);
        var response = await api.AppGetOrCreateAsync(App("throttled"), CancellationToken.None);

        Assert.StartsWith("ap-", response.AppId);
        var attempts = emulator.RequestsFor("AppGetOrCreate");
        Assert.Equal(9, attempts.Count);
        Assert.Single(attempts.Select(a => a.Header("x-idempotency-key")).Distinct());
        Assert.Equal(new[] { "0", "1", "2", "3", "4", "5", "6", "6", "6" }, attempts.Select(a => a.Header("x-throttle-retry-attempt")));
        Assert.Equal(new[] { "0", "0", "0", "0", "0", "0", "0", "1", "2" }, attempts.Select(a => a.Header("x-retry-attempt")));
        Assert.Null(attempts[0].Header("x-throttle-retry-delay"));
        Assert.All(attempts.Skip(1), a => Assert.NotNull(a.Header("x-throttle-retry-delay")));
        Assert.Equal(Enumerable.Repeat(TimeSpan.FromSeconds(0.25), 6).Concat([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)]), delays);
    }

    [RegistryFact]
    public async Task A_server_asking_for_less_than_100_ms_gets_100_ms()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        var delays = new List<TimeSpan>();
        using var api = new ModalApi(CredentialsFor(emulator), (delay, _) => { delays.Add(delay); return Task.CompletedTask; });
        emulator.Faults.RetryAfter("AppGetOrCreate", 0, times: 2, code: StatusCode.FailedPrecondition);

        await api.AppGetOrCreateAsync(App("eager"), CancellationToken.None);

        Assert.Equal(new[] { ModalApi.MinThrottleDelay, ModalApi.MinThrottleDelay }, delays);
    }

    [RegistryFact]
    public async Task Throttling_past_the_cap_fails_naming_the_setting()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var credentials = CredentialsFor(emulator) with { MaxThrottleWait = TimeSpan.FromSeconds(10) };
        using var api = new ModalApi(credentials, (delay, _) => { clock.Advance(delay); return Task.CompletedTask; }, clock);
        emulator.Faults.RetryAfter("AppGetOrCreate", 3, times: 100, code: StatusCode.ResourceExhausted);

        var error = await Assert.ThrowsAsync<ModalApiException>(() => api.AppGetOrCreateAsync(App("capped"), CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, error.Status);
        Assert.Contains("MODAL_MAX_THROTTLE_WAIT", error.Message);
        Assert.Equal(4, emulator.RequestsFor("AppGetOrCreate").Count); // waits 0-3, 3-6, 6-9; a fourth wait would pass 10 s
    }

    [RegistryFact]
    public async Task A_max_throttle_wait_of_zero_leaves_the_retry_policy_to_the_normal_retries()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        using var api = new ModalApi(CredentialsFor(emulator) with { MaxThrottleWait = TimeSpan.Zero }, (_, _) => Task.CompletedTask);
        emulator.Faults.RetryAfter("AppGetOrCreate", 1, times: 1, code: StatusCode.ResourceExhausted);

        var error = await Assert.ThrowsAsync<ModalApiException>(() => api.AppGetOrCreateAsync(App("impatient"), CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, error.Status);
        Assert.Single(emulator.RequestsFor("AppGetOrCreate"));
    }

    [RegistryFact]
    public async Task Every_call_carries_libmodals_headers_and_this_clients_name()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        using var api = new ModalApi(CredentialsFor(emulator));

        await api.AppGetOrCreateAsync(App("headers"), CancellationToken.None);

        foreach (var request in emulator.RequestsFor("AuthTokenGet").Concat(emulator.RequestsFor("AppGetOrCreate")))
        {
            Assert.Equal("8", request.Header("x-modal-client-type"));
            Assert.Equal("1.0.0", request.Header("x-modal-client-version"));
            Assert.Matches(@"^stepoperator-dotnet/\d+\.\d+\.\d+", request.Header("x-modal-libmodal-version"));
            Assert.Equal("127.0.0.1", request.Header("x-modal-host"));
            Assert.Equal(emulator.TokenId, request.Header("x-modal-token-id"));
        }

        Assert.Null(emulator.RequestsFor("AuthTokenGet").Single().Header("x-modal-auth-token"));
        Assert.NotNull(emulator.RequestsFor("AppGetOrCreate").Single().Header("x-modal-auth-token"));
    }

    /// <summary>A modal step operator on <paramref name="emulator"/> whose image is the test program's build output.</summary>
    private ModalStepOperator OperatorFor(ModalEmulator.ModalEmulator emulator, TimeSpan schedulingLimit)
    {
        var program = new TestProgram();
        var registry = new ContainerRegistry(docker.Registry, docker.RegistryUser, docker.RegistryPassword, "scheduling");
        var image = new ImageBuildRequest(Path.GetDirectoryName(program.AssemblyPath)!, Path.GetFileName(program.AssemblyPath), DockerEnvironment.BaseImage, registry);
        program.Dispose();
        return new ModalStepOperator(
            new ModalStepOperatorOptions(image, emulator.TokenId, emulator.TokenSecret, emulator.Url.ToString().TrimEnd('/')) { SchedulingLimit = schedulingLimit });
    }

    /// <summary>A call with a GPU: created through SandboxCreate (V2 takes no GPUs), where waiting for capacity is seen as no task yet.</summary>
    private static StepLaunch LaunchOf(string invocation, Action<string>? onLine = null) => new(
        new StepDefinition("Held", StepPlacement.Modal, "Tests.Held", new StepSettings { Gpu = "T4", CpuCount = 0.25, Timeout = 600 }),
        "run-scheduling", invocation, ["--help"], new Dictionary<string, string>(), new LineSink(onLine));

    private sealed class LineSink(Action<string>? onLine) : IStepOutputSink
    {
        public void Line(string text, bool isError) => onLine?.Invoke(text);
    }

    [RegistryFact]
    public async Task A_sandbox_modal_never_schedules_is_terminated_after_the_scheduling_limit()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        emulator.Faults.HoldScheduling(TimeSpan.FromMinutes(10));
        await using var modal = OperatorFor(emulator, schedulingLimit: TimeSpan.FromSeconds(3));
        await modal.PrepareAsync(NullLogger.Instance, CancellationToken.None);

        var exit = await modal.RunAsync(LaunchOf("held-1"), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(StepExitReason.BackendFailure, exit.Reason);
        Assert.Contains("did not schedule sandbox", exit.Detail);
        var sandbox = Assert.Single(emulator.Sandboxes);
        Assert.Null(sandbox.TaskId);
        Assert.Equal("Terminated", sandbox.ResultStatus);
        Assert.Single(emulator.RequestsFor("SandboxTerminate"));
        Assert.Empty(emulator.RequestsFor("SandboxGetLogs"));
    }

    [RegistryFact]
    public async Task A_sandbox_that_ends_before_it_is_scheduled_ends_the_wait_with_its_reason()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        emulator.Faults.HoldScheduling(TimeSpan.FromMinutes(10));
        await using var modal = OperatorFor(emulator, schedulingLimit: TimeSpan.FromMinutes(5));
        await modal.PrepareAsync(NullLogger.Instance, CancellationToken.None);

        var created = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = modal.RunAsync(LaunchOf("held-2", line =>
        {
            if (line.StartsWith("sandbox ", StringComparison.Ordinal))
            {
                created.TrySetResult(line[8..line.IndexOf(':')]);
            }
        }), CancellationToken.None);
        var sandboxId = await created.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await emulator.Faults.KillSandboxAsync(sandboxId, SandboxKill.Terminated);

        var exit = await running.WaitAsync(TimeSpan.FromSeconds(30)); // not after the 55 s server-side wait, nor the 5 min limit

        Assert.Equal(StepExitReason.BackendFailure, exit.Reason);
        Assert.Contains("terminated", exit.Detail);
        Assert.Null(Assert.Single(emulator.Sandboxes).TaskId);
        Assert.Empty(emulator.RequestsFor("SandboxGetLogs"));
    }

    [RegistryFact]
    public async Task A_sandbox_past_its_timeout_is_reported_as_timed_out()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        var result = await modal.Program.RunAsync("RemoteTimesOut", "--stack", ModalTestStack.StackName);

        Assert.Equal(1, result.ExitCode);
        var step = modal.Program.OnlyRun().Steps.Single();
        Assert.Equal(StepStatus.TimedOut, step.Status);
        Assert.Equal(0, modal.Emulator.RunningSandboxCount);
    }

    [RegistryFact]
    public async Task A_sandbox_over_its_memory_is_reported_as_out_of_memory()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        var result = await modal.Program.RunAsync("RemoteOom", "--stack", ModalTestStack.StackName);

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("still alive", result.Output);
        var step = modal.Program.OnlyRun().Steps.Single();
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.True(step.Failure == FailureKind.OutOfMemory, $"{step.Failure}: {step.Error}");
        Assert.Contains("killed for using more memory than its limit (MemoryLimit = \"64MB\"", step.Error);
        var resources = JsonDocument.Parse(Assert.Single(modal.Emulator.RequestsFor("SandboxCreateV2")).Json).RootElement.GetProperty("definition").GetProperty("resources");
        Assert.Equal((32, 64), (resources.GetProperty("memoryMb").GetInt32(), resources.GetProperty("memoryMbMax").GetInt32()));
    }

    /// <summary>
    /// Preemption and an eviction by Modal's memory manager (worker memory pressure, not the step's limit) are
    /// platform events: backend failures, retried by the step's policy.
    /// </summary>
    [RegistryTheory]
    [InlineData(StepOperator.ModalEmulator.Faults.SandboxKill.Terminated, "terminated by Modal")]
    [InlineData(StepOperator.ModalEmulator.Faults.SandboxKill.MemoryEviction, "evicted by Modal's memory manager because its worker was under memory pressure")]
    public async Task A_preempted_or_evicted_sandbox_is_retried_by_the_steps_policy_and_each_attempt_recorded(
        StepOperator.ModalEmulator.Faults.SandboxKill kill, string reason)
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        using var process = modal.Program.Start("Preempted", "--stack", ModalTestStack.StackName);
        var output = new StringBuilder();
        string? sandbox = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            output.AppendLine(line);
            if (Regex.Match(line, @"\[PreemptibleRemote\] sandbox (\S+):") is { Success: true } created)
            {
                sandbox = created.Groups[1].Value;
            }

            if (line.Contains("preemptible attempt 1", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.True(sandbox is not null, output.ToString());
        await modal.Emulator.Faults.KillSandboxAsync(sandbox!, kill);
        var rest = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        output.Append(await rest);
        Assert.True(process.ExitCode == 0, output + "\n" + await error);
        Assert.Contains("finished on attempt 2", output.ToString());

        var step = modal.Program.OnlyRun().Steps.Single();
        Assert.Equal(StepStatus.Succeeded, step.Status);
        Assert.Equal(2, step.Attempts.Count);
        Assert.Equal(FailureKind.Backend, step.Attempts[0].Failure);
        Assert.Contains(reason, step.Attempts[0].Error);
        Assert.True(step.Attempts[0].Retried);
        Assert.Null(step.Attempts[1].Failure);
        Assert.Equal(2, modal.Emulator.RequestsFor("SandboxCreateV2").Count); // a GPU-less step: V2, as Modal's JS SDK
        Assert.Equal(0, modal.Emulator.RunningSandboxCount);
    }

    [RegistryFact]
    public async Task A_run_under_sustained_throttling_slows_down_and_completes()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);

        // Modal answers the first 6 creates and the first 6 waits with "retry after 0.5 s" (RESOURCE_EXHAUSTED): counted
        // calls, not a window of time, so how long the image build before the first create takes does not matter.
        modal.Emulator.Faults.Throttle("SandboxCreateV2", 0.5, times: 6);
        modal.Emulator.Faults.Throttle("SandboxWaitV2", 0.5, times: 6);
        var result = await modal.Program.RunAsync("RemoteShortTicks", "--stack", ModalTestStack.StackName);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("ticked 16 times", result.Output);
        Assert.Contains("Modal asked to retry SandboxCreateV2", result.Output + result.Error);
        var creates = modal.Emulator.RequestsFor("SandboxCreateV2");
        Assert.True(creates.Count >= 4, $"{creates.Count} create attempts"); // far past the 3 retries of the normal budget
        Assert.Single(creates.Select(c => c.Header("x-idempotency-key")).Distinct());
        Assert.Equal(Enumerable.Range(0, creates.Count).Select(n => n.ToString()), creates.Select(c => c.Header("x-throttle-retry-attempt")));
        Assert.All(creates.Zip(creates.Skip(1)), pair => Assert.True(pair.Second.ReceivedAt - pair.First.ReceivedAt >= TimeSpan.FromSeconds(0.45),
            $"retried after {(pair.Second.ReceivedAt - pair.First.ReceivedAt).TotalMilliseconds} ms, not the 500 ms the server asked for"));
        Assert.Single(modal.Emulator.Sandboxes);
    }

    [RegistryFact]
    public async Task Ctrl_c_terminates_the_runs_sandboxes()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        using var process = modal.Program.Start("RemoteSlow", "--stack", ModalTestStack.StackName);
        var started = false;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.Contains("sleeping remotely", StringComparison.Ordinal))
            {
                started = true;
                break;
            }
        }

        Assert.True(started, "the sandbox never started");
        Assert.Equal(1, modal.Emulator.RunningSandboxCount);
        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString()]))
        {
            await interrupt.WaitForExitAsync();
        }

        var drain = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await drain;

        Assert.Equal(130, process.ExitCode);
        Assert.Equal(0, modal.Emulator.RunningSandboxCount);
        Assert.Single(modal.Emulator.RequestsFor("SandboxTerminateV2")); // V2 sandbox, V2 RPC
        Assert.Equal(RunStatus.Cancelled, modal.Program.OnlyRun().Status);
    }
}

/// <summary>A registered Modal stack (emulator, s3rver, the test registry) for the test program.</summary>
internal sealed class ModalTestStack : IAsyncDisposable
{
    public const string StackName = "modal-test";

    private ModalTestStack(ModalEmulator.ModalEmulator emulator, LocalServer s3, TestProgram program)
    {
        Emulator = emulator;
        S3 = s3;
        Program = program;
    }

    public ModalEmulator.ModalEmulator Emulator { get; }

    public LocalServer S3 { get; }

    public TestProgram Program { get; }

    public static async Task<ModalTestStack> StartAsync(
        DockerEnvironment docker, string project = "StepOperator.TestPipelines", string folder = "tests", ModalEmulatorOptions? options = null, bool sandboxV2 = true)
    {
        var emulator = await ModalEmulator.ModalEmulator.StartAsync(options);
        var s3 = await LocalServers.StartS3rverAsync(RepositoryPaths.Root);
        var program = new TestProgram(project, folder);
        docker.Configure(program);
        if (!sandboxV2)
        {
            // Every sandbox through SandboxCreate, as GPU sandboxes always are.
            program.Environment["MODAL_SANDBOX_V2"] = "false";
        }

        async Task Command(params string[] arguments)
        {
            var result = await program.RunAsync(arguments);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        await Command("artifact-store", "register", "s3", "--flavor=s3", "--bucket=modal-runs", $"--endpoint={s3.Address}",
            $"--access_key_id={LocalServers.S3AccessKeyId}", $"--secret_access_key={LocalServers.S3SecretAccessKey}");
        await Command("container-registry", "register", "registry", "--flavor=default", $"--server={docker.Registry}",
            $"--username={docker.RegistryUser}", $"--password={docker.RegistryPassword}");
        await Command("step-operator", "register", "modal", "--flavor=modal", $"--token_id={emulator.TokenId}",
            $"--token_secret={emulator.TokenSecret}", $"--server_url={emulator.Url.ToString().TrimEnd('/')}");
        await Command("stack", "register", StackName, "-o", "local", "-s", "modal", "-a", "s3", "-c", "registry", "-i", "docker");
        return new ModalTestStack(emulator, s3, program);
    }

    public async ValueTask DisposeAsync()
    {
        Program.Dispose();
        await S3.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
