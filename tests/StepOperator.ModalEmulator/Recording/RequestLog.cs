using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace StepOperator.ModalEmulator.Recording;

/// <summary>Every request the emulator received, in order of arrival, also those of RPCs it does not serve.</summary>
internal sealed class RequestLog
{
    private readonly object _gate = new();
    private readonly List<RecordedRequest> _requests = new();
    private int _next;

    /// <summary>Records a call of an RPC the emulator serves.</summary>
    public void Record(string service, string rpc, IEnumerable<KeyValuePair<string, string>> headers, IMessage message)
    {
        // A copy: the handler may still change the message it was given.
        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteString());
        Add(service, rpc, served: true, headers, copy);
    }

    /// <summary>Records a call of an RPC the emulator does not serve (its message is not decoded).</summary>
    public void RecordUnserved(string service, string rpc, IEnumerable<KeyValuePair<string, string>> headers) =>
        Add(service, rpc, served: false, headers, new Empty());

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

    private void Add(string service, string rpc, bool served, IEnumerable<KeyValuePair<string, string>> headers, IMessage message)
    {
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.ToLowerInvariant();
            byKey[key] = byKey.TryGetValue(key, out var earlier) ? earlier + ", " + value : value;
        }

        var json = JsonFormatter.Default.Format(message);
        var masked = SecretMask.Message(message);
        var maskedJson = ReferenceEquals(masked, message) ? json : JsonFormatter.Default.Format(masked);
        lock (_gate)
        {
            _requests.Add(new RecordedRequest(_next++, DateTimeOffset.UtcNow, service, rpc, served, byKey, message, json, maskedJson));
        }
    }
}
