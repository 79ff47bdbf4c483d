using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace StepOperator.ModalEmulator.Recording;

/// <summary>
/// The recorded requests over plain HTTP/1.1, for scripts in other languages:
/// GET /requests[?rpc=Name][&amp;secrets=true] answers a JSON array of {index, receivedAt, service, rpc,
/// served, headers, request}, with secret values masked unless secrets=true; DELETE /requests forgets
/// them. Served only on the emulator's HTTP port.
/// </summary>
internal sealed class RequestsEndpoint(RequestLog log)
{
    public const string Path = "/requests";

    public async Task GetAsync(HttpContext context)
    {
        var rpc = context.Request.Query["rpc"].FirstOrDefault();
        var requests = string.IsNullOrEmpty(rpc) ? log.Snapshot() : log.Of(rpc);
        var secrets = string.Equals(context.Request.Query["secrets"].FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase);

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var request in requests)
            {
                json.WriteStartObject();
                json.WriteNumber("index", request.Index);
                json.WriteString("receivedAt", request.ReceivedAt);
                json.WriteString("service", request.Service);
                json.WriteString("rpc", request.Rpc);
                json.WriteBoolean("served", request.Served);
                json.WriteStartObject("headers");
                foreach (var (key, value) in request.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, secrets ? value : SecretMask.Header(key, value));
                }

                json.WriteEndObject();
                json.WritePropertyName("request");
                json.WriteRawValue(secrets ? request.Json : request.MaskedJson);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    public Task DeleteAsync(HttpContext context)
    {
        log.Clear();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
