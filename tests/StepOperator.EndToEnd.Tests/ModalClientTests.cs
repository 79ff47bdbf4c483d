using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using StepOperator.ModalEmulator;
using StepOperator.Runs;
using StepOperator.Stacks.Modal;
using StepOperator.Stacks.Modal.Protocol;

namespace StepOperator.EndToEnd.Tests;

/// <summary>The Modal client and step operator against the emulator: credentials, retries, endings.</summary>
[Collection(DockerCollection.Name)]
public class ModalClientTests(DockerEnvironment docker)
{
    private static ModalCredentials CredentialsFor(ModalEmulator.ModalEmulator emulator, string? secret = null) =>
        ModalCredentials.Resolve(emulator.TokenId, secret ?? emulator.TokenSecret, emulator.Url.ToString().TrimEnd('/'), variables: _ => null);

    private static AppGetOrCreateRequest App(string name) => new() { AppName = name, ObjectCreationType = ObjectCreationType.CreateIfMissing };

    [DockerFact]
    public async Task A_bad_token_fails_at_once_naming_where_it_came_from()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        using var api = new ModalApi(CredentialsFor(emulator, secret: "as-wrong"));

        var error = await Assert.ThrowsAsync<ModalAuthenticationException>(() => api.AppGetOrCreateAsync(App("x"), CancellationToken.None));

        Assert.Contains("Modal refused the token from the step operator's token_id/token_secret (Unauthenticated", error.Message);
        Assert.DoesNotContain("as-wrong", error.Message);
        Assert.Single(emulator.RequestsFor("AuthTokenGet")); // no retries on bad credentials
    }

    [DockerFact]
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

    [DockerFact]
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

    [DockerFact]
    public async Task Retries_stop_after_three()
    {
        await using var emulator = await ModalEmulator.ModalEmulator.StartAsync();
        using var api = new ModalApi(CredentialsFor(emulator), (_, _) => Task.CompletedTask);
        emulator.Faults.FailNext("AppGetOrCreate", StatusCode.Unavailable, times: 10);

        var error = await Assert.ThrowsAsync<ModalApiException>(() => api.AppGetOrCreateAsync(App("doomed"), CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, error.Status);
        Assert.Equal(4, emulator.RequestsFor("AppGetOrCreate").Count);
    }

    [DockerFact]
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

    [DockerFact]
    public async Task A_sandbox_past_its_timeout_is_reported_as_timed_out()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        var result = await modal.Program.RunAsync("RemoteTimesOut", "--stack", ModalTestStack.StackName);

        Assert.Equal(1, result.ExitCode);
        var step = modal.Program.OnlyRun().Steps.Single();
        Assert.Equal(StepStatus.TimedOut, step.Status);
        Assert.Equal(0, modal.Emulator.RunningSandboxCount);
    }

    [DockerFact]
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
        var resources = JsonDocument.Parse(Assert.Single(modal.Emulator.RequestsFor("SandboxCreate")).Json).RootElement.GetProperty("definition").GetProperty("resources");
        Assert.Equal((32, 64), (resources.GetProperty("memoryMb").GetInt32(), resources.GetProperty("memoryMbMax").GetInt32()));
    }

    /// <summary>
    /// Preemption and an eviction by Modal's memory manager (worker memory pressure, not the step's limit) are
    /// platform events: backend failures, retried by the step's policy.
    /// </summary>
    [DockerTheory]
    [InlineData(StepOperator.ModalEmulator.Faults.SandboxKill.Terminated, "terminated by Modal")]
    [InlineData(StepOperator.ModalEmulator.Faults.SandboxKill.MemoryEviction, "evicted by Modal's memory manager because its worker was under memory pressure")]
    public async Task A_preempted_or_evicted_sandbox_is_retried_by_the_steps_policy_and_each_attempt_recorded(
        StepOperator.ModalEmulator.Faults.SandboxKill kill, string reason)
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        using var process = modal.Program.Start("Preempted", "--stack", ModalTestStack.StackName);
        var output = new System.Text.StringBuilder();
        string? sandbox = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            output.AppendLine(line);
            if (System.Text.RegularExpressions.Regex.Match(line, @"\[PreemptibleRemote\] sandbox (\S+):") is { Success: true } created)
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
        Assert.Equal(2, modal.Emulator.RequestsFor("SandboxCreate").Count);
        Assert.Equal(0, modal.Emulator.RunningSandboxCount);
    }

    [DockerFact]
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
        Assert.Single(modal.Emulator.RequestsFor("SandboxTerminate"));
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
        DockerEnvironment docker, string project = "StepOperator.TestPipelines", string folder = "tests", ModalEmulatorOptions? options = null)
    {
        var emulator = await ModalEmulator.ModalEmulator.StartAsync(options);
        var s3 = await LocalServers.StartS3rverAsync(RepositoryPaths.Root);
        var program = new TestProgram(project, folder);
        docker.Configure(program);
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
