using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Grpc.Core;

namespace StepOperator.Modal;

/// <summary>
/// Following a server stream of Modal's (build logs, sandbox logs, a V2 sandbox's output) through dropped
/// connections: a stream that fails with one of Modal's retryable statuses is opened again where it got to (the
/// caller's <c>open</c> resumes from its own position), after a short pause that grows with each failure in a row.
/// Failures count only while nothing arrives: more than <see cref="MaxFailures"/> in a row and the stream is lost.
/// </summary>
internal static class ModalStreams
{
    /// <summary>How many times in a row a stream may fail without delivering anything before it counts as lost.</summary>
    public const int MaxFailures = 5;

    /// <summary>Statuses after which a stream is reopened where it got to (Modal's retryable codes).</summary>
    private static readonly HashSet<StatusCode> Reopen = new()
    {
        StatusCode.Unavailable, StatusCode.Internal, StatusCode.Unknown, StatusCode.DeadlineExceeded, StatusCode.Cancelled,
    };

    /// <summary>
    /// Reads streams opened by <paramref name="open"/> until <paramref name="onItem"/> says it is done or, with
    /// <paramref name="endIsDone"/>, until a stream ends by itself (otherwise an ended stream, as Modal's end at their
    /// timeout, is opened again). <paramref name="recover"/> may handle another failure once per failure in a row (for
    /// example renew a credential) and ask for the stream again by answering true.
    /// </summary>
    public static async Task FollowAsync<T>(
        ModalApi api,
        string rpc,
        Func<CancellationToken, Task<AsyncServerStreamingCall<T>>> open,
        Func<T, bool> onItem,
        bool endIsDone,
        CancellationToken cancellationToken,
        Func<RpcException, CancellationToken, Task<bool>>? recover = null)
    {
        var failures = 0;
        var recovered = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var stream = await open(cancellationToken).ConfigureAwait(false);
                while (await stream.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                    recovered = false;
                    if (onItem(stream.ResponseStream.Current))
                    {
                        return;
                    }
                }

                if (endIsDone)
                {
                    return;
                }
            }
            catch (RpcException e) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"{rpc} was cancelled.", e, cancellationToken);
            }
            catch (RpcException e) when (Reopen.Contains(e.StatusCode))
            {
                if (++failures > MaxFailures)
                {
                    throw api.Explain(e, rpc);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * failures), cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                if (recovered || recover is null || !await recover(e, cancellationToken).ConfigureAwait(false))
                {
                    throw api.Explain(e, rpc);
                }

                recovered = true;
            }
        }
    }
}
