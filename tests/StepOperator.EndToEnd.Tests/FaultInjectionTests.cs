using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using Grpc.Core;
using StepOperator.ModalEmulator;
using StepOperator.ModalEmulator.Faults;
using StepOperator.Runs;
using StepOperator.Modal;
using StepOperator.Modal.Protocol;

namespace StepOperator.EndToEnd.Tests;

/// <summary>
/// Runs under injected faults: UNAVAILABLE bursts on every RPC the Modal client uses, log and build
/// streams cut mid-way, answers that come too late, failing image builds (Modal's and the engine's),
/// an unreachable registry and refused credentials. Each run either succeeds with exactly the
/// retries the policy makes or fails with a clear error; and after each one no sandbox runs and no
/// container of the run (nor of the emulator) is left.
/// </summary>
[Collection(DockerCollection.Name)]
public class FaultInjectionTests(DockerEnvironment docker)
{
    /// <summary>What PrintLines prints in the RemoteLines pipeline.</summary>
    private const int LineCount = 200;

    /// <summary>The longest burst the client rides out: one failure per retry it makes.</summary>
    private const int Burst = ModalApi.MaxRetries;

    private static readonly string[] RemoteLines = ["RemoteLines", "--stack", ModalTestStack.StackName];

    /// <summary>
    /// The RPCs a run's GPU-less sandbox goes through: V2 by default (SandboxCreateV2, output from the task command
    /// router), V1 with MODAL_SANDBOX_V2=false, which is also the path of every sandbox with a GPU.
    /// </summary>
    private sealed record SandboxRpcs(bool V2)
    {
        public string Create => V2 ? ModalRpc.SandboxCreateV2 : ModalRpc.SandboxCreate;

        public string Terminate => V2 ? ModalRpc.SandboxTerminateV2 : ModalRpc.SandboxTerminate;

        public string Output => V2 ? ModalRpc.SandboxStdioReadV2 : ModalRpc.SandboxGetLogs;

        /// <summary>The unary RPCs of a successful run (terminate is only called to stop a sandbox; a V2 create answers with the task id).</summary>
        public string[] Unary => V2
            ?
            [
                ModalRpc.AuthTokenGet, ModalRpc.AppGetOrCreate, ModalRpc.EnvironmentGetOrCreate, ModalRpc.SecretGetOrCreate,
                ModalRpc.ImageGetOrCreate, ModalRpc.SandboxCreateV2, ModalRpc.SandboxWaitV2,
            ]
            :
            [
                ModalRpc.AuthTokenGet, ModalRpc.AppGetOrCreate, ModalRpc.EnvironmentGetOrCreate, ModalRpc.SecretGetOrCreate,
                ModalRpc.ImageGetOrCreate, ModalRpc.SandboxCreate, ModalRpc.SandboxGetTaskId, ModalRpc.SandboxWait,
            ];
    }

    [RegistryTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Unavailable_bursts_on_every_rpc_at_once_are_retried_exactly_and_the_run_succeeds_with_every_line(bool sandboxV2)
    {
        var rpcs = new SandboxRpcs(sandboxV2);
        await using var modal = await ModalTestStack.StartAsync(docker, sandboxV2: sandboxV2);
        var faults = modal.Emulator.Faults;
        faults.SlowImageBuilds(TimeSpan.FromSeconds(1)); // ImageGetOrCreate answers before the build ends, so the client joins its stream
        foreach (var rpc in rpcs.Unary.Append(ModalRpc.ImageJoinStreaming).Append(rpcs.Output))
        {
            faults.FailNext(rpc, StatusCode.Unavailable, Burst);
        }

        var result = await modal.Program.RunAsync(RemoteLines);

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertEveryLineOnce(result);
        foreach (var rpc in rpcs.Unary)
        {
            AssertRetried(modal.Emulator, rpc, Burst);
        }

        // Streams carry no idempotency key: each failed opening is one more stream.
        Assert.Equal(1 + Burst, modal.Emulator.RequestsFor(ModalRpc.ImageJoinStreaming).Count);
        Assert.Equal(2 + Burst, modal.Emulator.RequestsFor(rpcs.Output).Count); // stdout and stderr
        var sandbox = Assert.Single(modal.Emulator.Sandboxes); // retries of SandboxCreate never made a second sandbox
        Assert.Equal(600, sandbox.TimeoutSeconds); // PrintLines' Timeout, the sandbox's backstop
        var step = modal.Program.OnlyRun().Steps.Single();
        Assert.Equal(StepStatus.Succeeded, step.Status);
        Assert.Single(step.Attempts); // the client rode the bursts out; the step never failed
        await AssertNoOrphansAsync(docker, modal.Emulator, modal.Program.OnlyRun().RunId);
    }

    [RegistryTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Lost_answers_to_create_calls_are_retried_with_the_same_idempotency_key_and_make_nothing_twice(bool sandboxV2)
    {
        var rpcs = new SandboxRpcs(sandboxV2);
        await using var modal = await ModalTestStack.StartAsync(docker, sandboxV2: sandboxV2);
        var faults = modal.Emulator.Faults;
        faults.LoseResponses(rpcs.Create); // the sandbox starts, its id never reaches the client
        faults.LoseResponses(ModalRpc.SecretGetOrCreate, times: sandboxV2 ? 1 : 2); // V2: only the registry's secret

        var result = await modal.Program.RunAsync(RemoteLines);

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertEveryLineOnce(result);
        foreach (var rpc in new[] { rpcs.Create, ModalRpc.SecretGetOrCreate })
        {
            // Each lost answer was followed by a retry of the same logical call: same key, next attempt number.
            var byKey = modal.Emulator.RequestsFor(rpc).GroupBy(r => r.Header("x-idempotency-key")).ToList();
            Assert.Contains(byKey, g => g.Count() == 2 && g.Select(r => r.Header("x-retry-attempt")).SequenceEqual(["0", "1"]));
        }

        var sandbox = Assert.Single(modal.Emulator.Sandboxes); // the retried SandboxCreate got the first sandbox back
        Assert.True(sandbox.TimeoutSeconds > 0);
        Assert.Single(modal.Program.OnlyRun().Steps.Single().Attempts);
        await AssertNoOrphansAsync(docker, modal.Emulator, modal.Program.OnlyRun().RunId);
    }

    [RegistryFact]
    public async Task A_burst_longer_than_the_clients_retries_fails_the_attempt_and_the_steps_retry_imports_the_image_again()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        modal.Emulator.Faults.FailNext(ModalRpc.ImageGetOrCreate, StatusCode.Unavailable, Burst + 1);

        var result = await modal.Program.RunAsync("Preempted", "--stack", ModalTestStack.StackName); // PreemptibleRemote: MaxRetries = 1

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("finished on attempt 2", result.Output);
        var step = modal.Program.OnlyRun().Steps.Single();
        Assert.Equal(2, step.Attempts.Count);
        Assert.Equal(FailureKind.Backend, step.Attempts[0].Failure);
        Assert.Contains("Modal ImageGetOrCreate failed: Unavailable", step.Attempts[0].Error);
        Assert.Null(step.Attempts[1].Failure);
        Assert.Equal(Burst + 2, modal.Emulator.RequestsFor(ModalRpc.ImageGetOrCreate).Count); // four refused, then one that worked
        Assert.Single(modal.Emulator.Sandboxes);
        await AssertNoOrphansAsync(docker, modal.Emulator, modal.Program.OnlyRun().RunId);
    }

    [RegistryFact]
    public async Task Log_and_build_streams_cut_mid_way_resume_from_their_last_entry_with_every_line_exactly_once()
    {
        await using var modal = await ModalTestStack.StartAsync(docker, sandboxV2: false); // SandboxGetLogs: the V1 (GPU) path
        var faults = modal.Emulator.Faults;

        // Stdout: a reset stream, a closed connection (every call on it ends), a clean UNAVAILABLE,
        // then more cuts in a row than the client retries failures, each after some progress.
        faults.CutStream(ModalRpc.SandboxGetLogs, afterEntries: 5, how: StreamCut.ResetStream, logs: LogStream.Stdout);
        faults.CutStream(ModalRpc.SandboxGetLogs, afterEntries: 0, how: StreamCut.CloseConnection, logs: LogStream.Stdout);
        faults.CutStream(ModalRpc.SandboxGetLogs, afterEntries: 17, how: StreamCut.Unavailable, logs: LogStream.Stdout);
        faults.CutStream(ModalRpc.SandboxGetLogs, afterEntries: 3, times: 6, how: StreamCut.ResetStream, logs: LogStream.Stdout);
        faults.CutStream(ModalRpc.SandboxGetLogs, afterEntries: 2, how: StreamCut.ResetStream, logs: LogStream.Stderr);
        faults.SlowImageBuilds(TimeSpan.FromSeconds(1));
        faults.CutStream(ModalRpc.ImageJoinStreaming, afterEntries: 1, how: StreamCut.ResetStream);

        var result = await modal.Program.RunAsync(RemoteLines);

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertEveryLineOnce(result);
        var streams = modal.Emulator.RequestsFor(ModalRpc.SandboxGetLogs).Select(r => r.MessageAs<SandboxGetLogsRequest>()).ToList();
        var stdout = streams.Where(s => s.FileDescriptor == FileDescriptor.Stdout).ToList();
        Assert.Equal(1 + 9, stdout.Count); // one reopening per cut, so every cut happened
        Assert.Equal("0-0", stdout[0].LastEntryId);
        Assert.All(stdout.Skip(1), s => Assert.NotEqual("0-0", s.LastEntryId)); // resumed, not restarted
        Assert.True(streams.Count(s => s.FileDescriptor == FileDescriptor.Stderr) >= 2);
        Assert.Equal(2, modal.Emulator.RequestsFor(ModalRpc.ImageJoinStreaming).Count);
        Assert.Single(modal.Program.OnlyRun().Steps.Single().Attempts);
        await AssertNoOrphansAsync(docker, modal.Emulator, modal.Program.OnlyRun().RunId);
    }

    [RegistryFact]
    public async Task Output_streams_of_a_v2_sandbox_cut_mid_way_resume_from_their_byte_offset_with_every_line_exactly_once()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        var faults = modal.Emulator.Faults;
        faults.CutStream(ModalRpc.SandboxStdioReadV2, afterEntries: 5, how: StreamCut.ResetStream, logs: LogStream.Stdout);
        faults.CutStream(ModalRpc.SandboxStdioReadV2, afterEntries: 17, how: StreamCut.Unavailable, logs: LogStream.Stdout);
        faults.CutStream(ModalRpc.SandboxStdioReadV2, afterEntries: 2, how: StreamCut.ResetStream, logs: LogStream.Stderr);

        var result = await modal.Program.RunAsync(RemoteLines);

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertEveryLineOnce(result);
        var reads = modal.Emulator.RequestsFor(ModalRpc.SandboxStdioReadV2).Select(r => r.MessageAs<SandboxStdioReadV2Request>()).ToList();
        var stdout = reads.Where(r => r.FileDescriptor == SandboxStdioFileDescriptor.Stdout).ToList();
        Assert.Equal(1 + 2, stdout.Count); // one reopening per cut
        Assert.Equal(0UL, stdout[0].Offset);
        Assert.All(stdout.Skip(1), r => Assert.True(r.Offset > 0, "a reopened stream started from the beginning")); // resumed, not restarted
        Assert.Equal(2, reads.Count(r => r.FileDescriptor == SandboxStdioFileDescriptor.Stderr));
        Assert.Single(modal.Program.OnlyRun().Steps.Single().Attempts);
        await AssertNoOrphansAsync(docker, modal.Emulator, modal.Program.OnlyRun().RunId);
    }

    [RegistryTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ctrl_c_while_the_sandbox_is_being_created_still_terminates_it(bool sandboxV2)
    {
        var rpcs = new SandboxRpcs(sandboxV2);
        await using var modal = await ModalTestStack.StartAsync(docker, sandboxV2: sandboxV2);
        var emulator = modal.Emulator;
        // Created, but the answer is late.
        emulator.Faults.DelayResponses(rpcs.Create, TimeSpan.FromSeconds(0.75));

        using var process = modal.Program.Start("RemoteSlow", "--stack", ModalTestStack.StackName);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var waited = Stopwatch.StartNew();
        while (emulator.Sandboxes.Count == 0 && !process.HasExited && waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(50);
        }

        Assert.True(emulator.Sandboxes.Count == 1, "no sandbox was created: " + (process.HasExited ? await output + await error : "still running"));
        await InterruptAsync(process);
        var text = await output + "\n" + await error;

        Assert.True(process.ExitCode == 130, text);
        var sandbox = Assert.Single(emulator.Sandboxes);
        Assert.True(emulator.RequestsFor(rpcs.Terminate).Count == 1, text);
        var termination = emulator.RequestsFor(rpcs.Terminate)[0];
        Assert.Equal(sandbox.SandboxId, termination.MessageAs<SandboxTerminateRequest>().SandboxId);
        Assert.Equal("Terminated", sandbox.ResultStatus);
        AssertCancelled(modal.Program.OnlyRun());
        await AssertNoOrphansAsync(docker, emulator, modal.Program.OnlyRun().RunId);
    }

    [RegistryTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ctrl_c_while_the_sandbox_runs_terminates_it_through_an_unavailable_burst_and_records_the_step_as_cancelled(bool sandboxV2)
    {
        var rpcs = new SandboxRpcs(sandboxV2);
        await using var modal = await ModalTestStack.StartAsync(docker, sandboxV2: sandboxV2);
        var emulator = modal.Emulator;
        emulator.Faults.FailNext(rpcs.Terminate, StatusCode.Unavailable, Burst);

        using var process = modal.Program.Start("RemoteSlow", "--stack", ModalTestStack.StackName);
        var (seen, _) = await TestProgram.ReadUntilAsync(process, line => line.Contains("sleeping remotely", StringComparison.Ordinal));

        Assert.True(emulator.RunningSandboxCount == 1, seen);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await InterruptAsync(process);
        var text = seen + await output + "\n" + await error;

        Assert.True(process.ExitCode == 130, text);
        var terminations = emulator.RequestsFor(rpcs.Terminate);
        Assert.True(terminations.Count == 1 + Burst, text);
        AssertRetried(emulator, rpcs.Terminate, Burst);
        Assert.Equal("Terminated", Assert.Single(emulator.Sandboxes).ResultStatus);
        AssertCancelled(modal.Program.OnlyRun());
        await AssertNoOrphansAsync(docker, emulator, modal.Program.OnlyRun().RunId);
    }

    // System.CommandLine ends a cancelled command after its ProcessTerminationTimeout (2 s by default);
    // StepOperatorHost raises it so a slow clean-up (here a SandboxTerminate the server asks to retry
    // after 1 s, three times) still finishes and no sandbox is left running.
    [RegistryFact]
    public async Task Ctrl_c_waits_for_a_slow_termination_instead_of_leaving_the_sandbox_running()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        var emulator = modal.Emulator;
        emulator.Faults.RetryAfter(ModalRpc.SandboxTerminateV2, retryAfterSeconds: 1, times: Burst); // terminating takes 3 s

        using var process = modal.Program.Start("RemoteSlow", "--stack", ModalTestStack.StackName);
        var (seen, _) = await TestProgram.ReadUntilAsync(process, line => line.Contains("sleeping remotely", StringComparison.Ordinal));

        Assert.True(emulator.RunningSandboxCount == 1, seen);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await InterruptAsync(process);
        var text = seen + await output + "\n" + await error;

        Assert.True(process.ExitCode == 130, text);
        Assert.True(emulator.RequestsFor(ModalRpc.SandboxTerminateV2).Count == 1 + Burst, text);
        Assert.Equal("Terminated", Assert.Single(emulator.Sandboxes).ResultStatus);
        AssertCancelled(modal.Program.OnlyRun());
        await AssertNoOrphansAsync(docker, emulator, modal.Program.OnlyRun().RunId);
    }

    [RegistryFact]
    public async Task Ctrl_c_while_the_engine_creates_a_container_still_removes_it()
    {
        // The engine creates the container; its answer (the id) reaches the program late. 
        await using var proxy = DockerEngineProxy.Start(TimeSpan.FromSeconds(0.75));
        using var program = new TestProgram();
        docker.Configure(program);
        program.Environment["DOCKER_HOST"] = proxy.Host;

        using var process = program.Start("Slow", "--stack", "docker");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await Task.WhenAny(proxy.ContainerCreated, process.WaitForExitAsync()).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(proxy.ContainerCreated.IsCompleted, "no container was created: " + (process.HasExited ? await output + await error : "still running"));
        await InterruptAsync(process);
        var text = await output + "\n" + await error;

        Assert.True(process.ExitCode == 130, text);
        var run = program.OnlyRun();
        Assert.Empty(await docker.ContainersOfRunAsync(run.RunId));
        AssertCancelled(run);
    }

    [RegistryFact]
    public async Task A_failed_image_build_on_modal_is_a_clear_error_naming_the_image_and_no_sandbox_is_created()
    {
        await using var modal = await ModalTestStack.StartAsync(docker);
        modal.Emulator.Faults.FailImageBuilds("the builder ran out of disk");

        var result = await modal.Program.RunAsync(RemoteLines);

        Assert.Equal(1, result.ExitCode);
        var import = Assert.Single(modal.Emulator.RequestsFor(ModalRpc.ImageGetOrCreate)).MessageAs<ImageGetOrCreateRequest>();
        var reference = import.Image.DockerfileCommands.Single()["FROM ".Length..];
        Assert.StartsWith(docker.Registry + "/", reference);
        Assert.Contains($"Modal could not import image {reference}", result.Error);
        Assert.Contains("the builder ran out of disk", result.Error);
        Assert.Empty(modal.Emulator.RequestsFor(ModalRpc.SandboxCreate));
        Assert.Empty(modal.Emulator.RequestsFor(ModalRpc.SandboxCreateV2));
        Assert.Empty(modal.Emulator.Sandboxes);
        var step = modal.Program.OnlyRun().Steps.Single();
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Contains(reference, step.Error);
        await AssertNoOrphansAsync(docker, modal.Emulator, modal.Program.OnlyRun().RunId);
    }

    [RegistryFact]
    public async Task A_failing_docker_build_is_a_clear_error_naming_the_image_and_leaves_nothing_on_either_stack()
    {
        var baseImage = await BuildBrokenBaseImageAsync();
        try
        {
            // The docker stack.
            using var program = new TestProgram();
            docker.Configure(program);
            program.Environment["STEPOPERATOR_BASE_IMAGE"] = baseImage;
            var result = await program.RunAsync("Flow", "--stack", "docker");

            Assert.Equal(1, result.ExitCode);
            var reference = Regex.Match(result.Output, @"building image (\S+)").Groups[1].Value;
            Assert.Contains($"Could not build image {reference}: ", result.Error);
            Assert.Contains("/app is not a directory", result.Error); // the engine's own words
            Assert.Empty(program.OnlyRun().Steps);
            Assert.DoesNotContain("[image] pushing", result.Output);
            await AssertImageAbsentAsync(reference);
            Assert.Empty(await docker.ContainersOfRunAsync(program.OnlyRun().RunId));
            Assert.Empty(await ContainersFromAsync(baseImage)); // no build container left either

            // The Modal stack: the same failure before any call to Modal.
            await using var modal = await ModalTestStack.StartAsync(docker);
            modal.Program.Environment["STEPOPERATOR_BASE_IMAGE"] = baseImage; // the image builder's base image
            var onModal = await modal.Program.RunAsync(RemoteLines);

            Assert.Equal(1, onModal.ExitCode);
            Assert.Contains("Could not build image ", onModal.Error);
            Assert.Contains("/app is not a directory", onModal.Error);
            Assert.Empty(modal.Emulator.Requests);
            Assert.Empty(modal.Program.OnlyRun().Steps);
            Assert.Empty(await ContainersFromAsync(baseImage));
            await AssertNoOrphansAsync(docker, modal.Emulator, modal.Program.OnlyRun().RunId);
        }
        finally
        {
            await docker.Engine.Client.Images.DeleteImageAsync(baseImage, new ImageDeleteParameters { Force = true });
        }
    }

    [RegistryFact]
    public async Task An_unreachable_registry_is_a_clear_error_naming_it_before_anything_starts_on_either_stack()
    {
        var nowhere = $"127.0.0.1:{ClosedPort()}";

        using var program = new TestProgram();
        docker.Configure(program);
        program.Environment["STEPOPERATOR_REGISTRY"] = nowhere;
        var result = await program.RunAsync("Flow", "--stack", "docker");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Container registry {nowhere} is not reachable", result.Error);
        Assert.Contains("Check the address and that the registry is running", result.Error);
        Assert.DoesNotContain("[image] building", result.Output);
        Assert.Empty(program.OnlyRun().Steps);
        Assert.Empty(await docker.ContainersOfRunAsync(program.OnlyRun().RunId));

        await using var modal = await ModalTestStack.StartAsync(docker);
        await RegisterAsync(modal.Program, "container-registry", "update", "registry", $"--server={nowhere}");
        var onModal = await modal.Program.RunAsync(RemoteLines);

        Assert.Equal(1, onModal.ExitCode);
        Assert.Contains($"Container registry {nowhere} is not reachable", onModal.Error);
        Assert.DoesNotContain("[image] building", onModal.Output);
        Assert.Empty(modal.Emulator.Requests);
        Assert.Empty(modal.Program.OnlyRun().Steps);
        await AssertNoOrphansAsync(docker, modal.Emulator, modal.Program.OnlyRun().RunId);
    }

    [RegistryFact]
    public async Task A_wrong_registry_password_on_the_modal_stack_fails_before_any_build_or_call_to_modal()
    {
        // (The docker stack's case is DockerStackTests.A_wrong_registry_password_fails_before_any_build.)
        await using var modal = await ModalTestStack.StartAsync(docker);
        await RegisterAsync(modal.Program, "container-registry", "update", "registry", "--password=not-the-password");

        var result = await modal.Program.RunAsync(RemoteLines);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Container registry {docker.Registry} rejected the credentials of user '{docker.RegistryUser}' (HTTP 401)", result.Error);
        Assert.Contains("Check the registry password", result.Error);
        Assert.DoesNotContain("not-the-password", result.Output + result.Error);
        Assert.DoesNotContain("[image] building", result.Output);
        Assert.Empty(modal.Emulator.Requests);
        Assert.Empty(modal.Program.OnlyRun().Steps);
        await AssertNoOrphansAsync(docker, modal.Emulator, modal.Program.OnlyRun().RunId);
    }

    /// <summary>
    /// No orphans: no sandbox runs or waits to start, no container of the emulator or of the run is
    /// left, and every sandbox was created with a timeout, the backstop if a client ever lost one.
    /// </summary>
    internal static async Task AssertNoOrphansAsync(DockerEnvironment docker, ModalEmulator.ModalEmulator emulator, string? runId)
    {
        Assert.Equal(0, emulator.RunningSandboxCount);
        Assert.All(emulator.Sandboxes, s => Assert.NotNull(s.ResultStatus));
        var containers = await docker.Engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ModalEmulator.ModalEmulator.InstanceLabel}={emulator.InstanceId}"] = true },
            },
        });
        Assert.Empty(containers);
        if (runId is not null)
        {
            Assert.Empty(await docker.ContainersOfRunAsync(runId));
        }

        Assert.All(emulator.RequestsFor(ModalRpc.SandboxCreate), r => Assert.True(r.MessageAs<SandboxCreateRequest>().Definition.TimeoutSecs > 0, r.Json));
    }

    /// <summary>The step's stdout lines, in order, each once, none cut or joined; and its stderr lines likewise.</summary>
    private static void AssertEveryLineOnce(TestProgram.Result result)
    {
        // Everything the step printed; the operator's own "sandbox sb-...: resources" line aside.
        static List<string> Lines(string text) =>
            Regex.Matches(text, @"^\[PrintLines\] (.*)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value)
                .Where(line => !line.StartsWith("sandbox sb-", StringComparison.Ordinal)).ToList();

        Assert.Equal(Enumerable.Range(1, LineCount).Select(i => $"line {i} of {LineCount}"), Lines(result.Output));
        Assert.Equal(Enumerable.Range(1, LineCount / 10).Select(i => $"err {i}"), Lines(result.Error));
        Assert.Contains($"printed {LineCount} lines", result.Output);
    }

    /// <summary>Every logical call of <paramref name="rpc"/> kept its idempotency key across attempts 0, 1, ...; <paramref name="retries"/> retries in all.</summary>
    private static void AssertRetried(ModalEmulator.ModalEmulator emulator, string rpc, int retries)
    {
        var calls = emulator.RequestsFor(rpc).GroupBy(r => r.Header("x-idempotency-key")).ToList();
        Assert.All(calls, call =>
        {
            Assert.NotNull(call.Key);
            Assert.Equal(Enumerable.Range(0, call.Count()).Select(i => i.ToString(CultureInfo.InvariantCulture)), call.Select(r => r.Header("x-retry-attempt")));
        });
        Assert.True(retries == calls.Sum(c => c.Count() - 1), $"{rpc}: {calls.Sum(c => c.Count() - 1)} retries, expected {retries}");
    }

    private static async Task InterruptAsync(Process process)
    {
        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await interrupt.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>Ctrl-C cancelled the run and its step; nothing is reported as a failure.</summary>
    private static void AssertCancelled(RunRecord run)
    {
        Assert.Equal(RunStatus.Cancelled, run.Status);
        var step = run.Steps.Single();
        Assert.True(step.Status == StepStatus.Cancelled, $"{step.Status}: {step.Error}");
        Assert.Null(run.FailedFirst);
    }

    private static async Task RegisterAsync(TestProgram program, params string[] arguments)
    {
        var result = await program.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private async Task AssertImageAbsentAsync(string reference)
    {
        try
        {
            await docker.Engine.Client.Images.InspectImageAsync(reference);
            Assert.Fail($"The failed build left image {reference}.");
        }
        catch (DockerImageNotFoundException)
        {
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private async Task<IList<ContainerListResponse>> ContainersFromAsync(string image) =>
        await docker.Engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["ancestor"] = new Dictionary<string, bool> { [image] = true } },
        });

    /// <summary>The local base image with a file where the step image's /app directory goes, so WORKDIR /app fails.</summary>
    private async Task<string> BuildBrokenBaseImageAsync()
    {
        var tag = "stepoperator-test/broken-base:" + Guid.NewGuid().ToString("N")[..12];
        using var context = new MemoryStream();
        using (var tar = new TarWriter(context, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, text) in new[] { ("Dockerfile", $"FROM {DockerEnvironment.BaseImage}\nCOPY app /app\n"), ("app", "a file, not a directory\n") })
            {
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            }
        }

        context.Position = 0;
        string? error = null;
        await docker.Engine.Client.Images.BuildImageFromDockerfileAsync(
            new ImageBuildParameters { Tags = [tag], Dockerfile = "Dockerfile", Remove = true, ForceRemove = true },
            context, null, null, new Progress<JSONMessage>(m => error ??= m.Error?.Message), CancellationToken.None);
        Assert.True(error is null, error);
        await docker.Engine.Client.Images.InspectImageAsync(tag);
        return tag;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port; // free again once the listener stops
    }
}
