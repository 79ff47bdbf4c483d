using System.Collections.Generic;
using Grpc.Core;
using StepOperator.ModalEmulator.Common;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Objects;

/// <summary>Apps by environment and name (AppGetOrCreate), plus nameless ephemeral ones.</summary>
internal sealed class AppRegistry
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Environment, string Name), string> _byName = new();
    private readonly Dictionary<string, string> _environments = new(); // app id -> environment

    public string GetOrCreate(AppGetOrCreateRequest request)
    {
        var environment = EnvironmentNames.Normalize(request.EnvironmentName);
        var creation = request.ObjectCreationType;
        if (string.IsNullOrEmpty(request.AppName) && creation is not (ObjectCreationType.Ephemeral or ObjectCreationType.AnonymousOwnedByApp))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "app_name is required."));
        }

        lock (_gate)
        {
            if (creation is ObjectCreationType.Ephemeral or ObjectCreationType.AnonymousOwnedByApp)
            {
                return Add(Ids.New(Ids.App), environment);
            }

            var key = (environment, request.AppName);
            var exists = _byName.TryGetValue(key, out var existing);
            switch (creation)
            {
                case ObjectCreationType.Unspecified when !exists:
                    throw new RpcException(new Status(StatusCode.NotFound, $"App '{request.AppName}' not found in environment '{environment}'."));
                case ObjectCreationType.CreateFailIfExists when exists:
                    throw new RpcException(new Status(StatusCode.AlreadyExists, $"App '{request.AppName}' already exists in environment '{environment}'."));
                case ObjectCreationType.CreateOverwriteIfExists:
                    return _byName[key] = Add(Ids.New(Ids.App), environment);
                default:
                    return exists ? existing! : _byName[key] = Add(Ids.New(Ids.App), environment);
            }
        }
    }

    public bool Exists(string appId)
    {
        lock (_gate)
        {
            return _environments.ContainsKey(appId);
        }
    }

    /// <summary>The environment an app belongs to ("main" for the default one), or null for an unknown app.</summary>
    public string? EnvironmentOf(string appId)
    {
        lock (_gate)
        {
            return _environments.GetValueOrDefault(appId);
        }
    }

    private string Add(string id, string environment)
    {
        _environments[id] = environment;
        return id;
    }
}
