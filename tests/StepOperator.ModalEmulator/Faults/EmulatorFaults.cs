using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Faults;

/// <summary>
/// Faults to inject: failed calls (any status, or with a server-directed retry delay), throttling
/// (RESOURCE_EXHAUSTED with a retry delay, for some calls or for a while), streams cut after some
/// entries, killed and evicted sandboxes, slow and failing image builds. Planned call failures answer
/// the next calls of their RPC, in the order they were planned, before the token check (for a
/// streaming RPC: before the first message); a sustained throttle answers every call meanwhile.
/// Any RPC in <see cref="ModalRpc.All"/> can fail, the task command router's included.
/// </summary>
public sealed class EmulatorFaults
{
    /// <summary>The trailer Modal's clients read a rich status (RPCStatus) from.</summary>
    public const string StatusDetailsTrailer = "grpc-status-details-bin";

    /// <summary>
    /// The type URL prefix Modal packs its own messages (modal.*) with in RPCStatus.details
    /// (py/modal/_utils/grpc_utils.py CustomProtoStatusDetailsCodec); clients match on the type name after the last '/'.
    /// </summary>
    public const string ModalTypeUrlPrefix = "type.modal.com";

    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<PlannedFailure>> _planned = new(StringComparer.Ordinal);
    private readonly List<PlannedCut> _cuts = new();
    private readonly Queue<string> _imageBuildFailures = new();
    private readonly Dictionary<string, Queue<TimeSpan>> _responseDelays = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lostResponses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SustainedThrottle> _throttles = new(StringComparer.Ordinal);
    private readonly Func<string, SandboxKill, CancellationToken, Task> _killSandbox;
    private TimeSpan _imageBuildDelay;
    private TimeSpan _schedulingDelay;

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
    /// The next <paramref name="times"/> calls of <paramref name="rpc"/> fail with <paramref name="code"/> (UNAVAILABLE
    /// unless given) and an RPCRetryPolicy{retry_after_secs} in grpc-status-details-bin, as Modal's server asks a client
    /// to wait; Modal's SDKs honour the policy whatever the status (py/modal/_utils/grpc_utils.py).
    /// </summary>
    public void RetryAfter(string rpc, double retryAfterSeconds, int times = 1, StatusCode code = StatusCode.Unavailable)
    {
        if (retryAfterSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retryAfterSeconds), retryAfterSeconds, "A retry delay cannot be negative.");
        }

        var text = retryAfterSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        Plan(rpc, times, new PlannedFailure(code, $"Injected fault: {rpc} answered {code}, retry after {text}s", retryAfterSeconds));
    }

    /// <summary>
    /// The next <paramref name="times"/> calls of <paramref name="rpc"/> are throttled as Modal's server
    /// throttles: RESOURCE_EXHAUSTED with an RPCRetryPolicy{retry_after_secs} in grpc-status-details-bin
    /// (py/modal/_utils/grpc_utils.py honours it on any status; upstream's tests throttle with
    /// RESOURCE_EXHAUSTED). Modal's SDKs wait that long and retry without counting it as a retry.
    /// </summary>
    public void Throttle(string rpc, double retryAfterSeconds, int times = 1)
    {
        Plan(rpc, times, ThrottleFailure(rpc, retryAfterSeconds));
    }

    /// <summary>
    /// Sustained throttling: every call of <paramref name="rpc"/> for the next <paramref name="duration"/>
    /// is answered as <see cref="Throttle(string, double, int)"/> answers one. <see cref="Clear"/> ends it early.
    /// </summary>
    public void Throttle(string rpc, double retryAfterSeconds, TimeSpan duration)
    {
        RequireRpc(rpc);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var failure = ThrottleFailure(rpc, retryAfterSeconds);
        lock (_gate)
        {
            _throttles[rpc] = new SustainedThrottle(DateTimeOffset.UtcNow + duration, failure);
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> streams of <paramref name="rpc"/> (SandboxGetLogs, ImageJoinStreaming
    /// or the task command router's SandboxStdioReadV2; for the sandbox output streams only those that read
    /// <paramref name="logs"/>) are cut
    /// <paramref name="how"/> once they have sent <paramref name="afterEntries"/> log entries (a batch
    /// is split to cut exactly there, and the entries get a moment to arrive first), as when the
    /// connection drops mid-stream. A stream that ends before it has sent that many entries is not
    /// cut, and the cut is used up.
    /// </summary>
    public void CutStream(string rpc, int afterEntries, int times = 1, StreamCut how = StreamCut.ResetStream, LogStream logs = LogStream.Any)
    {
        if (!ModalRpc.Streaming.Contains(rpc))
        {
            throw new ArgumentException($"Only the streams ({string.Join(", ", ModalRpc.Streaming)}) can be cut, not '{rpc}'.", nameof(rpc));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(afterEntries);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_gate)
        {
            for (var i = 0; i < times; i++)
            {
                _cuts.Add(new PlannedCut(rpc, afterEntries, how, logs));
            }
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> image builds (ImageGetOrCreate requests that start a build)
    /// fail with <paramref name="reason"/>, after logging it, as a build Modal could not finish.
    /// </summary>
    public void FailImageBuilds(string reason, int times = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_gate)
        {
            for (var i = 0; i < times; i++)
            {
                _imageBuildFailures.Enqueue(reason);
            }
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> calls of the unary <paramref name="rpc"/> are carried out, and
    /// then their answer is held back for <paramref name="delay"/>, as when a response is slow or lost on
    /// the way: a client that gives up meanwhile has had its request done without learning the outcome.
    /// </summary>
    public void DelayResponses(string rpc, TimeSpan delay, int times = 1)
    {
        RequireUnary(rpc);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_gate)
        {
            if (!_responseDelays.TryGetValue(rpc, out var queue))
            {
                _responseDelays[rpc] = queue = new Queue<TimeSpan>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(delay);
            }
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> calls of the unary <paramref name="rpc"/> are carried out, and then their
    /// answer is lost: the client gets UNAVAILABLE, as when the connection drops after the server acted. A client
    /// that retries with the same x-idempotency-key gets the first call's answer instead of a second effect.
    /// </summary>
    public void LoseResponses(string rpc, int times = 1)
    {
        RequireUnary(rpc);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_gate)
        {
            _lostResponses[rpc] = (_lostResponses.TryGetValue(rpc, out var planned) ? planned : 0) + times;
        }
    }

    /// <summary>Kills a sandbox's container as Modal would end it for <paramref name="kill"/>; completes once it has ended.</summary>
    public Task KillSandboxAsync(string sandboxId, SandboxKill kill = SandboxKill.Terminated, CancellationToken cancellationToken = default) =>
        _killSandbox(sandboxId, kill, cancellationToken);

    /// <summary>How long a new sandbox waits for capacity before it is scheduled (see <see cref="HoldScheduling"/>).</summary>
    public TimeSpan SchedulingDelay
    {
        get
        {
            lock (_gate)
            {
                return _schedulingDelay;
            }
        }
    }

    /// <summary>
    /// Sandboxes created from now on wait <paramref name="delay"/> for capacity before they get a task (TimeSpan.Zero:
    /// scheduled at once), as Modal queues a sandbox while no worker has room for its resources. A sandbox terminated
    /// while it waits ends without ever having a task.
    /// </summary>
    public void HoldScheduling(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_gate)
        {
            _schedulingDelay = delay;
        }
    }

    /// <summary>
    /// Evicts a running sandbox as Modal's memory manager does when its worker is under memory pressure: it
    /// ends with GENERIC_STATUS_MEMORY_MANAGER_EVICTION (api.proto: "evicted by the memory manager when the
    /// worker was under memory pressure"), a platform event and not the sandbox's own memory limit, so a
    /// client may retry it. Completes once the sandbox has ended.
    /// </summary>
    public Task EvictSandboxAsync(string sandboxId, CancellationToken cancellationToken = default) =>
        _killSandbox(sandboxId, SandboxKill.MemoryEviction, cancellationToken);

    /// <summary>Image builds that start from now on wait <paramref name="delay"/> first (TimeSpan.Zero: no delay).</summary>
    public void SlowImageBuilds(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_gate)
        {
            _imageBuildDelay = delay;
        }
    }

    /// <summary>Forgets planned call failures and throttles, stream cuts, response delays and losses, image build failures and the image build delay.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _planned.Clear();
            _cuts.Clear();
            _imageBuildFailures.Clear();
            _responseDelays.Clear();
            _lostResponses.Clear();
            _throttles.Clear();
            _imageBuildDelay = TimeSpan.Zero;
        }
    }

    /// <summary>The failure planned for this call of <paramref name="rpc"/>, if any (and forgets it).</summary>
    internal RpcException? TakeFault(string rpc)
    {
        lock (_gate)
        {
            if (_planned.TryGetValue(rpc, out var queue) && queue.Count > 0)
            {
                return queue.Dequeue().ToException();
            }

            if (_throttles.TryGetValue(rpc, out var throttle))
            {
                if (DateTimeOffset.UtcNow < throttle.Until)
                {
                    return throttle.Failure.ToException();
                }

                _throttles.Remove(rpc);
            }

            return null;
        }
    }

    /// <summary>The cut planned for this stream of <paramref name="rpc"/> reading <paramref name="fileDescriptor"/>, if any (and forgets it).</summary>
    internal PlannedCut? TakeCut(string rpc, FileDescriptor fileDescriptor)
    {
        lock (_gate)
        {
            var index = _cuts.FindIndex(c => c.Rpc == rpc && c.Matches(fileDescriptor));
            if (index < 0)
            {
                return null;
            }

            var cut = _cuts[index];
            _cuts.RemoveAt(index);
            return cut;
        }
    }

    /// <summary>How long to hold back the answer to this call of <paramref name="rpc"/>, if planned (and forgets it).</summary>
    internal TimeSpan? TakeResponseDelay(string rpc)
    {
        lock (_gate)
        {
            return _responseDelays.TryGetValue(rpc, out var queue) && queue.Count > 0 ? queue.Dequeue() : null;
        }
    }

    /// <summary>Whether the answer to this call of <paramref name="rpc"/> is to be lost (and forgets it if so).</summary>
    internal bool TakeLostResponse(string rpc)
    {
        lock (_gate)
        {
            if (!_lostResponses.TryGetValue(rpc, out var planned) || planned == 0)
            {
                return false;
            }

            _lostResponses[rpc] = planned - 1;
            return true;
        }
    }

    private static void RequireUnary(string rpc)
    {
        if (!ModalRpc.All.Contains(rpc) || ModalRpc.Streaming.Contains(rpc))
        {
            throw new ArgumentException($"'{rpc}' is not a unary RPC of the emulator.", nameof(rpc));
        }
    }

    /// <summary>The failure planned for the image build that starts now, if any (and forgets it).</summary>
    internal string? TakeImageBuildFailure()
    {
        lock (_gate)
        {
            return _imageBuildFailures.Count > 0 ? _imageBuildFailures.Dequeue() : null;
        }
    }

    private static PlannedFailure ThrottleFailure(string rpc, double retryAfterSeconds)
    {
        if (retryAfterSeconds < 0 || !double.IsFinite(retryAfterSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(retryAfterSeconds), retryAfterSeconds, "A retry delay must be a finite number of seconds, 0 or more.");
        }

        var text = retryAfterSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        return new PlannedFailure(StatusCode.ResourceExhausted, $"Injected fault: {rpc} is throttled, retry after {text}s", retryAfterSeconds);
    }

    private static void RequireRpc(string rpc)
    {
        if (!ModalRpc.All.Contains(rpc))
        {
            throw new ArgumentException($"'{rpc}' is not an RPC of the emulator; use a ModalRpc name.", nameof(rpc));
        }
    }

    private void Plan(string rpc, int times, PlannedFailure failure)
    {
        RequireRpc(rpc);
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

    internal sealed record PlannedFailure(StatusCode Code, string Message, double? RetryAfterSeconds)
    {
        public RpcException ToException()
        {
            var trailers = new Metadata();
            if (RetryAfterSeconds is { } seconds)
            {
                var details = new RPCStatus { Code = (int)Code, Message = Message };
                details.Details.Add(Any.Pack(new RPCRetryPolicy { RetryAfterSecs = (float)seconds }, ModalTypeUrlPrefix));
                trailers.Add(StatusDetailsTrailer, details.ToByteArray());
            }

            return new RpcException(new Status(Code, Message), trailers);
        }
    }
}

/// <summary>Throttling of one RPC until a moment.</summary>
internal sealed record SustainedThrottle(DateTimeOffset Until, EmulatorFaults.PlannedFailure Failure);

/// <summary>A planned cut of one stream.</summary>
internal sealed record PlannedCut(string Rpc, int AfterEntries, StreamCut How, LogStream Logs)
{
    public bool Matches(FileDescriptor fileDescriptor) => Logs switch
    {
        LogStream.Stdout => fileDescriptor == FileDescriptor.Stdout,
        LogStream.Stderr => fileDescriptor == FileDescriptor.Stderr,
        _ => true,
    };
}
