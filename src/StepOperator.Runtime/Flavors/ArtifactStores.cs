using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Artifacts;
using StepOperator.Components;

namespace StepOperator.Flavors;

/// <summary>Opens an artifact store from its location string (as passed to step processes).</summary>
internal static class ArtifactStores
{
    // The schemes of StepOperator's own store packages, so a location of one a program does not reference names the package.
    private static readonly (string Scheme, string Flavor, string? Package)[] KnownSchemes =
    {
        ("s3", "s3", FlavorCatalog.PackageOf(ComponentType.ArtifactStore, "s3")),
        ("azblob", "azure", FlavorCatalog.PackageOf(ComponentType.ArtifactStore, "azure")),
    };

    /// <summary>The location forms <see cref="Open(string)"/> understands with the flavors this program has, for error messages.</summary>
    public static string SupportedLocations =>
        string.Join(", ", FlavorCatalog.All.OfType<ArtifactStoreFlavor>().Select(flavor => flavor.LocationForm));

    /// <summary>
    /// Opens a store; a remote store's flavor (found by the location's scheme) reads its credentials from the process
    /// environment, which is where a step process gets its store's <see cref="IArtifactStore.StepEnvironment"/>.
    /// </summary>
    public static IArtifactStore Open(string location) => Open(location, Environment.GetEnvironmentVariable);

    /// <summary>
    /// Opens a store, reading credentials through <paramref name="environment"/> instead of the
    /// process environment (for a launcher that holds a step's environment as a dictionary).
    /// </summary>
    public static IArtifactStore Open(string location, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(environment);

        // A plain path, or the file URI a local store's Location is, is the common case (every local step process
        // opens one): no URI parsing for it (loading and running System.Uri was ~10% of a no-op step process).
        if (LocalPathOf(location) is { } path)
        {
            return new LocalArtifactStore(path);
        }

        return OpenUri(location, environment);
    }

    // Apart from Open, so a step process of a local store, which never gets here, does not load System.Uri to compile Open.
    private static IArtifactStore OpenUri(string location, Func<string, string?> environment)
    {
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.IsFile)
        {
            return new LocalArtifactStore(uri.LocalPath);
        }

        if (StoreLocation.TryParse(location, out var parsed))
        {
            if (FlavorCatalog.StoreForScheme(parsed.Scheme) is { } flavor)
            {
                return flavor.Open(parsed, environment);
            }

            if (KnownSchemes.FirstOrDefault(known => known.Scheme == parsed.Scheme) is { Package: { } package } known)
            {
                throw new ArgumentException(
                    $"Artifact store location \"{location}\" is a {known.Flavor} store, which needs package {package}; this program does not reference it. " +
                    $"Add it: dotnet add package {package}", nameof(location));
            }
        }

        throw new ArgumentException(
            $"Artifact store location \"{location}\" is not supported. Use {SupportedLocations}.", nameof(location));
    }

    /// <summary>
    /// The directory a plain path or a simple <c>file:///</c> URI names, or null when <paramref name="location"/> needs
    /// full URI parsing (another scheme, escaped characters, a host, a Windows drive).
    /// </summary>
    private static string? LocalPathOf(string location)
    {
        if (!location.Contains("://", StringComparison.Ordinal) && !location.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return location;
        }

        const string FileUri = "file:///";
        return !OperatingSystem.IsWindows() &&
            location.StartsWith(FileUri, StringComparison.OrdinalIgnoreCase) &&
            !location.Contains('%', StringComparison.Ordinal)
            ? location[(FileUri.Length - 1)..]
            : null;
    }
}
