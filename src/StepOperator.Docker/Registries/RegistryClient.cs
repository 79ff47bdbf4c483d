using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Stacks;

namespace StepOperator.Docker;

/// <summary>
/// Talks to a registry's HTTP API (Docker Registry v2 / OCI distribution): checks credentials
/// before any remote work, and whether a tag is already there (so nothing is pushed twice).
/// Handles basic auth and the bearer-token challenge cloud registries use.
/// </summary>
internal sealed class RegistryClient(ContainerRegistry registry, HttpClient? http = null) : IDisposable
{
    private readonly HttpClient _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    private readonly bool _ownsHttp = http is null;
    private string? _bearerToken;

    private Uri BaseUri => new($"{(registry.IsInsecure ? "http" : "https")}://{registry.Server}/v2/");

    /// <summary>Fails with a clear message when the registry refuses the credentials or cannot be reached.</summary>
    public async Task CheckCredentialsAsync(CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(HttpMethod.Get, BaseUri, scope: null, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException($"Container registry {registry.Server} is not reachable ({e.Message}). Check the address and that the registry is running.", e);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new RegistryException(registry.HasCredentials
                    ? $"Container registry {registry.Server} rejected the credentials of user '{registry.Username}' (HTTP {(int)response.StatusCode}). Check the registry password (it is not shown here) and run again."
                    : $"Container registry {registry.Server} requires credentials (HTTP {(int)response.StatusCode}). Configure a user name and password for it.");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new RegistryException($"Container registry {registry.Server} answered HTTP {(int)response.StatusCode} to a credentials check.");
            }
        }
    }

    /// <summary>True when the registry already has <paramref name="repository"/>:<paramref name="tag"/>.</summary>
    public async Task<bool> HasTagAsync(string repository, string tag, CancellationToken cancellationToken)
    {
        var uri = new Uri(BaseUri, $"{repository}/manifests/{tag}");
        using var response = await SendAsync(HttpMethod.Head, uri, $"repository:{repository}:pull", cancellationToken).ConfigureAwait(false);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            _ => throw new RegistryException($"Container registry {registry.Server} answered HTTP {(int)response.StatusCode} when asked for {repository}:{tag}."),
        };
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, string? scope, CancellationToken cancellationToken)
    {
        var response = await _http.SendAsync(Request(method, uri), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.Count == 0)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.ToString();
        if (!challenge.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) || !registry.HasCredentials)
        {
            return response;
        }

        response.Dispose();
        _bearerToken = await FetchBearerTokenAsync(challenge, scope, cancellationToken).ConfigureAwait(false);
        return await _http.SendAsync(Request(method, uri), cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
        if (_bearerToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _bearerToken);
        }
        else if (registry.HasCredentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Basic());
        }

        return request;
    }

    private async Task<string> FetchBearerTokenAsync(string challenge, string? scope, CancellationToken cancellationToken)
    {
        string? Parameter(string name)
        {
            var start = challenge.IndexOf(name + "=\"", StringComparison.OrdinalIgnoreCase);
            if (start < 0)
            {
                return null;
            }

            start += name.Length + 2;
            var end = challenge.IndexOf('"', start);
            return end < 0 ? null : challenge[start..end];
        }

        var realm = Parameter("realm") ?? throw new RegistryException($"Container registry {registry.Server} sent a token challenge without a realm.");
        var query = $"?service={Uri.EscapeDataString(Parameter("service") ?? registry.Server)}";
        if ((scope ?? Parameter("scope")) is { } wanted)
        {
            query += $"&scope={Uri.EscapeDataString(wanted)}";
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, realm + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Basic());
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryException(
                $"Container registry {registry.Server} rejected the credentials of user '{registry.Username}' (token service answered HTTP {(int)response.StatusCode}). Check the registry password (it is not shown here).");
        }

        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        return json.RootElement.TryGetProperty("token", out var token) || json.RootElement.TryGetProperty("access_token", out token)
            ? token.GetString() ?? string.Empty
            : throw new RegistryException($"Container registry {registry.Server}'s token service returned no token.");
    }

    private string Basic() => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{registry.Username}:{registry.Password}"));

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}

/// <summary>A container registry problem, with what to do; never contains the password.</summary>
internal sealed class RegistryException(string message, Exception? inner = null) : BackendUnavailableException(message, inner);
