using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StepOperator.Stacks.Modal.Protocol;

namespace StepOperator.ModalEmulator.Faults;

/// <summary>
/// Faults to inject: failed calls (any status, or UNAVAILABLE with a server-directed retry delay),
/// killed sandboxes and slow image builds. Planned call failures answer the next calls of their
/// RPC, in the order they were planned, before the token check.
/// </summary>
public sealed class EmulatorFaults
{
    /// <summary>The trailer Modal's clients read a rich status (RPCStatus) from.</summary>
    public const string StatusDetailsTrailer = "grpc-status-details-bin";

    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<PlannedFailure>> _planned = new(StringComparer.Ordinal);
    private readonly Func<string, SandboxKill, CancellationToken, Task> _killSandbox;
    private TimeSpan _imageBuildDelay;

    internal EmulatorFaults(Func<string, SandboxKill, CancellationToken, Task> killSandbox) => _killSandbox = killSandbox;

    /// <summary>How long each image build waits before it starts (see <see cref="SlowImageBuilds"/>).</summary>
    public TimeSpan ImageBuildDelay
    {
        get
        {
            lock (_gate)
            {
                return _imageBuildDelay;
            }
        }
    }

    /// <summary>The next <paramref name="times"/> calls of <paramref name="rpc"/> fail with <paramref name="code"/>.</summary>
    public void FailNext(string rpc, StatusCode code, int times = 1, string? message = null)
    {
        Plan(rpc, times, new PlannedFailure(code, message ?? $"Injected fault: {code} for {rpc}", RetryAfterSeconds: null));
    }

    /// <summary>
    /// The next <paramref name="times"/> calls of <paramref name="rpc"/> fail with UNAVAILABLE and an
    /// RPCRetryPolicy{retry_after_secs} in grpc-status-details-bin, as Modal's server asks a client to wait.
    /// </summary>
    public void RetryAfter(string rpc, double retryAfterSeconds, int times = 1)
    {
        if (retryAfterSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retryAfterSeconds), retryAfterSeconds, "A retry delay cannot be negative.");
        }

        var text = retryAfterSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        Plan(rpc, times, new PlannedFailure(StatusCode.Unavailable, $"Injected fault: {rpc} is unavailable, retry after {text}s", retryAfterSeconds));
    }

    /// <summary>Kills a sandbox's container as Modal would end it for <paramref name="kill"/>; completes once it has ended.</summary>
    public Task KillSandboxAsync(string sandboxId, SandboxKill kill = SandboxKill.Terminated, CancellationToken cancellationToken = default) =>
        _killSandbox(sandboxId, kill, cancellationToken);

    /// <summary>Image builds that start from now on wait <paramref name="delay"/> first (TimeSpan.Zero: no delay).</summary>
    public void SlowImageBuilds(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_gate)
        {
            _imageBuildDelay = delay;
        }
    }

    /// <summary>Forgets planned call failures and the image build delay.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _planned.Clear();
            _imageBuildDelay = TimeSpan.Zero;
        }
    }

    /// <summary>The failure planned for this call of <paramref name="rpc"/>, if any (and forgets it).</summary>
    internal RpcException? TakeFault(string rpc)
    {
        lock (_gate)
        {
            if (!_planned.TryGetValue(rpc, out var queue) || queue.Count == 0)
            {
                return null;
            }

            return queue.Dequeue().ToException();
        }
    }

    private void Plan(string rpc, int times, PlannedFailure failure)
    {
        if (!ModalRpc.All.Contains(rpc))
        {
            throw new ArgumentException($"'{rpc}' is not an RPC of the emulator; use a ModalRpc name.", nameof(rpc));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_gate)
        {
            if (!_planned.TryGetValue(rpc, out var queue))
            {
                _planned[rpc] = queue = new Queue<PlannedFailure>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(failure);
            }
        }
    }

    private sealed record PlannedFailure(StatusCode Code, string Message, double? RetryAfterSeconds)
    {
        public RpcException ToException()
        {
            var trailers = new Metadata();
            if (RetryAfterSeconds is { } seconds)
            {
                var details = new RPCStatus { Code = (int)Code, Message = Message };
                details.Details.Add(Any.Pack(new RPCRetryPolicy { RetryAfterSecs = (float)seconds }));
                trailers.Add(StatusDetailsTrailer, details.ToByteArray());
            }

            return new RpcException(new Status(Code, Message), trailers);
        }
    }
}
