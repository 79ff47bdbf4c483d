using System;

namespace StepOperator.ModalEmulator;

/// <summary>How to start a <see cref="ModalEmulator"/>.</summary>
public sealed class ModalEmulatorOptions
{
    /// <summary>The gRPC port on 127.0.0.1 (plaintext HTTP/2); 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The HTTP/1.1 port on 127.0.0.1 that serves GET /requests; 0 picks a free one.</summary>
    public int HttpPort { get; set; }

    /// <summary>The task command router's port on 127.0.0.1 (plaintext HTTP/2, named by https:// URLs); 0 picks a free one.</summary>
    public int RouterPort { get; set; }

    /// <summary>The token id clients must send (x-modal-token-id).</summary>
    public string TokenId { get; set; } = "ak-emulator";

    /// <summary>The token secret clients must send (x-modal-token-secret).</summary>
    public string TokenSecret { get; set; } = "as-emulator";

    /// <summary>How long an auth token from AuthTokenGet is valid (its JWT exp); Modal's is 20 minutes.</summary>
    public TimeSpan AuthTokenLifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>How long a command router JWT (CommandRouterAccess.jwt) is valid; clients get a new one when the router refuses it.</summary>
    public TimeSpan CommandRouterTokenLifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>What EnvironmentGetOrCreate reports as the environment's image builder version.</summary>
    public string ImageBuilderVersion { get; set; } = "2025.06";

    /// <summary>The Docker engine; null means DOCKER_HOST, else unix:///var/run/docker.sock.</summary>
    public Uri? DockerEndpoint { get; set; }

    /// <summary>Where the emulator says what it does (pulls, sandboxes starting and ending); null: nowhere.</summary>
    public Action<string>? Log { get; set; }
}
