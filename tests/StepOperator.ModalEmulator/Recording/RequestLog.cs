using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using Grpc.Core;

namespace StepOperator.ModalEmulator.Recording;

/// <summary>Every request the emulator received, in order of arrival.</summary>
internal sealed class RequestLog
{
    private readonly object _gate = new();
    private readonly List<RecordedRequest> _requests = new();
    private int _next;

    public void Record(string rpc, Metadata headers, IMessage message)
    {
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in headers)
        {
            var value = header.IsBinary ? Convert.ToBase64String(header.ValueBytes) : header.Value;
            var key = header.Key.ToLowerInvariant();
            byKey[key] = byKey.TryGetValue(key, out var earlier) ? earlier + ", " + value : value;
        }

        // A copy: the handler may still change the message it was given.
        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteString());
        var json = JsonFormatter.Default.Format(copy);
        lock (_gate)
        {
            _requests.Add(new RecordedRequest(_next++, DateTimeOffset.UtcNow, rpc, byKey, copy, json));
        }
    }

    public IReadOnlyList<RecordedRequest> Snapshot()
    {
        lock (_gate)
        {
            return _requests.ToArray();
        }
    }

    public IReadOnlyList<RecordedRequest> Of(string rpc) => Snapshot().Where(r => r.Rpc == rpc).ToArray();

    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }
}
