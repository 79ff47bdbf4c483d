using System;
using System.Text.Json;
using Docker.DotNet;

namespace StepOperator.ModalEmulator.Common;

/// <summary>The engine's own words from a Docker API failure.</summary>
internal static class DockerErrors
{
    public static string Describe(Exception error)
    {
        if (error is DockerApiException api && !string.IsNullOrWhiteSpace(api.ResponseBody))
        {
            try
            {
                using var body = JsonDocument.Parse(api.ResponseBody);
                if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("message", out var message))
                {
                    return message.GetString() ?? api.ResponseBody;
                }
            }
            catch (JsonException)
            {
            }

            return api.ResponseBody.Trim();
        }

        return error.Message;
    }
}
