using System;
using System.Collections.Generic;
using Google.Protobuf;

namespace StepOperator.ModalEmulator.Recording;

/// <summary>
/// One request as the emulator received it: the RPC, its metadata and its message. The message's
/// type is the emulator's own (generated from the same proto); <see cref="MessageAs{T}"/> re-reads it
/// as a caller's type for the same message. A call of an RPC the emulator does not serve is recorded
/// too (<see cref="Served"/> false, answered UNIMPLEMENTED), with its method and metadata and an empty message.
/// </summary>
public sealed class RecordedRequest
{
    internal RecordedRequest(int index, DateTimeOffset receivedAt, string service, string rpc, bool served,
        IReadOnlyDictionary<string, string> headers, IMessage message, string json, string maskedJson)
    {
        Index = index;
        ReceivedAt = receivedAt;
        Service = service;
        Rpc = rpc;
        Served = served;
        Headers = headers;
        Message = message;
        Json = json;
        MaskedJson = maskedJson;
    }

    /// <summary>Position in the order of arrival, from 0.</summary>
    public int Index { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The gRPC service, e.g. "modal.client.ModalClient" or "modal.task_command_router.TaskCommandRouter".</summary>
    public string Service { get; }

    /// <summary>The RPC's name, e.g. "SandboxCreate" (see <see cref="ModalRpc"/>).</summary>
    public string Rpc { get; }

    /// <summary>The method path, e.g. "/modal.client.ModalClient/SandboxCreate".</summary>
    public string Method => $"/{Service}/{Rpc}";

    /// <summary>Whether the emulator serves this RPC (on the port it arrived at); false: it was answered UNIMPLEMENTED.</summary>
    public bool Served { get; }

    /// <summary>The call's metadata by lower-case key (repeated keys joined with ", ", binary values in base64).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    public IMessage Message { get; }

    /// <summary>The message in protobuf's JSON mapping (Google.Protobuf's JsonFormatter).</summary>
    public string Json { get; }

    /// <summary><see cref="Json"/> with secret values (environment values of secrets and inline environments) masked.</summary>
    public string MaskedJson { get; }

    public string? Header(string key) => Headers.TryGetValue(key.ToLowerInvariant(), out var value) ? value : null;

    /// <summary>The message parsed as <typeparamref name="T"/>, e.g. a client's generated type for the same message.</summary>
    public T MessageAs<T>()
        where T : IMessage<T>, new() =>
        new MessageParser<T>(() => new T()).ParseFrom(Message.ToByteString());

    public override string ToString() => $"{Rpc} {MaskedJson}";
}
