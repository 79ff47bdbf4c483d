using System;
using System.Threading;
using Docker.DotNet;
using StepOperator.ModalEmulator.Auth;
using StepOperator.ModalEmulator.Faults;
using StepOperator.ModalEmulator.Images;
using StepOperator.ModalEmulator.Objects;
using StepOperator.ModalEmulator.Recording;
using StepOperator.ModalEmulator.Sandboxes;

namespace StepOperator.ModalEmulator;

/// <summary>Everything one emulator knows, shared by its RPC handlers (one instance per emulator).</summary>
internal sealed class EmulatorState
{
    public EmulatorState(ModalEmulatorOptions options, DockerClient docker, string instanceId, CancellationToken stopping)
    {
        Options = options;
        Stopping = stopping;
        Action<string> log = options.Log ?? (_ => { });
        Tokens = new AuthTokenIssuer(options.AuthTokenLifetime, TimeProvider.System);
        RouterTokens = new RouterTokens(options.CommandRouterTokenLifetime, TimeProvider.System);
        Sandboxes = new SandboxRegistry(new SandboxSupervisor(docker, instanceId, log, () => Faults!.SchedulingDelay, stopping));
        Faults = new EmulatorFaults(Sandboxes.KillAsync);
        Images = new ImageBuilder(docker, Secrets, Faults, log, stopping);
        Environments = new EnvironmentRegistry(options.ImageBuilderVersion);
        Validator = new SandboxRequestValidator(Apps, Secrets, Images);
    }

    public ModalEmulatorOptions Options { get; }

    /// <summary>Cancelled when the emulator stops: open streams and long polls end.</summary>
    public CancellationToken Stopping { get; }

    public RequestLog Requests { get; } = new();

    public Common.IdempotentReplies Replies { get; } = new();

    public AuthTokenIssuer Tokens { get; }

    /// <summary>The JWTs of the task command router's access.</summary>
    public RouterTokens RouterTokens { get; }

    /// <summary>The task command router's port, once the server listens.</summary>
    public int RouterPort { get; set; }

    /// <summary>
    /// The url a CommandRouterAccess names: https, as the SDKs require, though the router speaks plaintext
    /// HTTP/2; the SDKs connect without TLS when their server URL is on localhost/127.0.0.1 (npm modal 0.11.1
    /// TaskCommandRouterClientImpl.tryInit, isLocalhost).
    /// </summary>
    public string RouterUrl => $"https://127.0.0.1:{RouterPort}";

    public EmulatorFaults Faults { get; }

    public AppRegistry Apps { get; } = new();

    public EnvironmentRegistry Environments { get; }

    public SecretStore Secrets { get; } = new();

    public ImageBuilder Images { get; }

    public SandboxRegistry Sandboxes { get; }

    public SandboxRequestValidator Validator { get; }
}
