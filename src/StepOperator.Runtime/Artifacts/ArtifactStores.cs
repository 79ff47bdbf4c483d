using System;

namespace StepOperator.Artifacts;

/// <summary>Opens an artifact store from its location string (as passed to step processes).</summary>
public static class ArtifactStores
{
    public static IArtifactStore Open(string location)
    {
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.IsFile)
        {
            return new LocalArtifactStore(uri.LocalPath);
        }

        if (!location.Contains("://", StringComparison.Ordinal))
        {
            return new LocalArtifactStore(location);
        }

        throw new ArgumentException(
            $"Artifact store location \"{location}\" is not supported. Use a local directory or a file:// URI.", nameof(location));
    }
}
