using System;
using System.Collections.Concurrent;

namespace StepOperator.ModalEmulator.Common;

/// <summary>
/// The answers to unary calls by their x-idempotency-key (one UUID per logical call, the same on each retry):
/// a retried call whose first attempt was carried out gets that attempt's answer instead of a second effect
/// (a second sandbox, a second secret). Only successful answers are kept; a failed attempt can be retried.
/// </summary>
internal sealed class IdempotentReplies
{
    public const string KeyHeader = "x-idempotency-key";

    private readonly ConcurrentDictionary<(string Rpc, string Key), object> _answers = new();

    public bool TryGet(string rpc, string key, out object answer) => _answers.TryGetValue((rpc, key), out answer!);

    public void Remember(string rpc, string key, object answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        _answers.TryAdd((rpc, key), answer);
    }
}
