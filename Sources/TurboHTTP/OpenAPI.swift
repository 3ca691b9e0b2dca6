/// The OpenAPI 3.1 description of the API, served at `GET /api/v1/openapi.json`.
enum OpenAPI {
    /// The document as JSON text.
    static let json: String = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "turboCode coordinator API",
            "version": "1.0.0",
            "description": "Issues, dependencies, the work queue, worktrees, events and webhooks of a turboCode coordinator."
          },
          "servers": [{"url": "http://127.0.0.1:7420"}],
          "security": [{}, {"bearer": []}],
          "tags": [
            {"name": "system"},
            {"name": "projects"},
            {"name": "issues"},
            {"name": "comments"},
            {"name": "dependencies"},
            {"name": "work logs"},
            {"name": "queue"},
            {"name": "events"},
            {"name": "worktrees"},
            {"name": "conflicts"},
            {"name": "webhooks"},
            {"name": "agents"},
            {"name": "review"}
          ],
          "paths": {
            "/healthz": {
              "get": {
                "operationId": "getHealth",
                "summary": "Liveness check",
                "description": "Never needs a token; not rate limited.",
                "tags": ["system"],
                "security": [],
                "responses": {
                  "200": {"description": "The server is up (empty body)."}
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "getMetrics",
                "summary": "Prometheus metrics",
                "description": "Not rate limited.",
                "tags": ["system"],
                "responses": {
                  "200": {
                    "description": "Prometheus text exposition (charset utf-8).",
                    "content": {
                      "text/plain; version=0.0.4": {
                        "schema": {"type": "string"}
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/openapi.json": {
              "get": {
                "operationId": "getOpenAPIDocument",
                "summary": "This OpenAPI document",
                "tags": ["system"],
                "responses": {
                  "200": {
                    "description": "The OpenAPI 3.1 description of the API.",
                    "content": {
                      "application/json": {
                        "schema": {"type": "object"}
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/projects": {
              "get": {
                "operationId": "listProjects",
                "summary": "List projects",
                "tags": ["projects"],
                "responses": {
                  "200": {
                    "description": "All projects, by key.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {"$ref": "#/components/schemas/ProjectDocument"}
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "post": {
                "operationId": "createProject",
                "summary": "Create a project",
                "description": "A malformed key is 400 malformed_reference; an existing key is 409 duplicate.",
                "tags": ["projects"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/CreateProjectRequest"}
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created.",
                    "headers": {
                      "Location": {"$ref": "#/components/headers/Location"}
                    },
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/ProjectDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/projects/{project}": {
              "parameters": [{"$ref": "#/components/parameters/Project"}],
              "get": {
                "operationId": "getProject",
                "summary": "Get a project",
                "tags": ["projects"],
                "responses": {
                  "200": {
                    "description": "The project.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/ProjectDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues": {
              "get": {
                "operationId": "listIssues",
                "summary": "List issues",
                "description": "An unknown status, priority or type is 422; a limit or offset out of range is 400.",
                "tags": ["issues"],
                "parameters": [
                  {"$ref": "#/components/parameters/ProjectFilter"},
                  {
                    "name": "status",
                    "in": "query",
                    "description": "Repeatable: any of these statuses.",
                    "style": "form",
                    "explode": true,
                    "schema": {
                      "type": "array",
                      "items": {"$ref": "#/components/schemas/IssueStatus"}
                    }
                  },
                  {
                    "name": "priority",
                    "in": "query",
                    "schema": {"$ref": "#/components/schemas/IssuePriority"}
                  },
                  {
                    "name": "type",
                    "in": "query",
                    "schema": {"$ref": "#/components/schemas/IssueType"}
                  },
                  {
                    "name": "capability",
                    "in": "query",
                    "description": "Only issues that need this capability.",
                    "schema": {"type": "string"}
                  },
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Offset"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of matching issues.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/IssuePage"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "post": {
                "operationId": "createIssue",
                "summary": "Create an issue",
                "description": "Without project, the only project; 409 when several exist, 422 when none does.",
                "tags": ["issues"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/CreateIssueRequest"}
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created.",
                    "headers": {
                      "Location": {"$ref": "#/components/headers/Location"}
                    },
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/IssueDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "get": {
                "operationId": "getIssue",
                "summary": "Get an issue",
                "tags": ["issues"],
                "responses": {
                  "200": {
                    "description": "The issue.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/IssueDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "patch": {
                "operationId": "updateIssue",
                "summary": "Change an issue's fields",
                "description": "Not the status: use ready, close and reopen.",
                "tags": ["issues"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/PatchIssueRequest"}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The updated issue.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/IssueDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "delete": {
                "operationId": "deleteIssue",
                "summary": "Delete an issue",
                "description": "409 conflicting_state while someone works on it or while it has a worktree.",
                "tags": ["issues"],
                "security": [{"bearer": []}],
                "responses": {
                  "204": {"description": "Deleted."},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/ready": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "post": {
                "operationId": "markIssueReady",
                "summary": "Mark an issue ready",
                "description": "open -> ready.",
                "tags": ["issues"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The issue in its new status.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/IssueDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/close": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "post": {
                "operationId": "closeIssue",
                "summary": "Close an issue",
                "description": "open, ready or review -> closed, as done unless a reason is given.",
                "tags": ["issues"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/CloseRequest"}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The issue in its new status.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/IssueDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/reopen": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "post": {
                "operationId": "reopenIssue",
                "summary": "Reopen an issue",
                "description": "closed -> open.",
                "tags": ["issues"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The issue in its new status.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/IssueDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/comments": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "get": {
                "operationId": "listComments",
                "summary": "List an issue's comments",
                "tags": ["comments"],
                "responses": {
                  "200": {
                    "description": "Comments, oldest first.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {"$ref": "#/components/schemas/CommentDocument"}
                        }
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "post": {
                "operationId": "addComment",
                "summary": "Comment on an issue",
                "description": "The author defaults to the token's person or agent.",
                "tags": ["comments"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/CommentRequest"}
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/CommentDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/dependencies": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "get": {
                "operationId": "getDependencies",
                "summary": "Get an issue's dependencies",
                "tags": ["dependencies"],
                "responses": {
                  "200": {
                    "description": "Blockers, blocked issues and the chain.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/DependencyDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "post": {
                "operationId": "addDependency",
                "summary": "Add a blocker",
                "description": "Duplicates and cycles are 409; an issue blocking itself is 422.",
                "tags": ["dependencies"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/DependencyRequest"}
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The new edge.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/DependencyEdgeDocument"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/dependencies/{blocker}": {
              "parameters": [
                {"$ref": "#/components/parameters/Issue"},
                {
                  "name": "blocker",
                  "in": "path",
                  "required": true,
                  "description": "Key or id of the blocking issue.",
                  "schema": {"type": "string"}
                }
              ],
              "delete": {
                "operationId": "removeDependency",
                "summary": "Remove a blocker",
                "tags": ["dependencies"],
                "security": [{"bearer": []}],
                "responses": {
                  "204": {"description": "Removed."},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/work-logs": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "get": {
                "operationId": "listIssueWorkLogs",
                "summary": "List an issue's work sessions",
                "tags": ["work logs"],
                "responses": {
                  "200": {
                    "description": "Sessions, oldest first.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {"$ref": "#/components/schemas/WorkLogDocument"}
                        }
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/work-logs": {
              "get": {
                "operationId": "listActiveWorkLogs",
                "summary": "List active work sessions",
                "tags": ["work logs"],
                "parameters": [
                  {
                    "name": "active",
                    "in": "query",
                    "required": true,
                    "description": "Only active=true is supported; anything else is 400.",
                    "schema": {"type": "string", "enum": ["true"]}
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Active sessions, oldest first.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {"$ref": "#/components/schemas/WorkLogDocument"}
                        }
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/queue": {
              "get": {
                "operationId": "getQueue",
                "summary": "Get the work queue",
                "tags": ["queue"],
                "parameters": [
                  {"$ref": "#/components/parameters/ProjectFilter"},
                  {
                    "name": "limit",
                    "in": "query",
                    "description": "At most this many entries, from the front of the queue.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000}
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Eligible issues in order, then the ready issues that wait.",
                    "headers": {
                      "X-Total-Count": {
                        "description": "Entries in the whole queue, before the limit.",
                        "schema": {"type": "integer"}
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {"$ref": "#/components/schemas/QueueEntryDocument"}
                        }
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/events": {
              "get": {
                "operationId": "listEvents",
                "summary": "Read the event log",
                "tags": ["events"],
                "parameters": [{"$ref": "#/components/parameters/After"}, {"$ref": "#/components/parameters/Limit"}],
                "responses": {
                  "200": {
                    "description": "Events after the given id, oldest first.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {"$ref": "#/components/schemas/EventDocument"}
                        }
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/events/ws": {
              "get": {
                "operationId": "streamEvents",
                "summary": "Stream events over a WebSocket",
                "description": "Events after the given id, then each new one as it commits. See x-websocket.",
                "tags": ["events"],
                "parameters": [
                  {
                    "name": "after",
                    "in": "query",
                    "description": "The last event id seen: replay from there. Without it, only new events.",
                    "schema": {"type": "integer", "format": "int64", "minimum": 0}
                  },
                  {
                    "name": "token",
                    "in": "query",
                    "description": "A token, for clients (browsers) that cannot send an Authorization header.",
                    "schema": {"type": "string"}
                  }
                ],
                "responses": {
                  "101": {"description": "Switching protocols; then one JSON text message per event (EventDocument)."},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "426": {
                    "description": "Not a WebSocket upgrade request (upgrade_required).",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}
                      }
                    }
                  }
                },
                "x-websocket": {
                  "message": {"$ref": "#/components/schemas/EventDocument"},
                  "closeCodes": {
                    "1001": "The server is shutting down.",
                    "1013": "The client is too slow; reconnect with ?after=<last id seen>."
                  }
                }
              }
            },
            "/api/v1/worktrees": {
              "get": {
                "operationId": "listWorktrees",
                "summary": "List active worktrees",
                "tags": ["worktrees"],
                "parameters": [{"$ref": "#/components/parameters/ProjectFilter"}],
                "responses": {
                  "200": {
                    "description": "Active worktrees, by issue key.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {"$ref": "#/components/schemas/WorktreeDocument"}
                        }
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/worktrees/{issue}": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "get": {
                "operationId": "getWorktree",
                "summary": "Get an issue's worktree and its git status",
                "description": "404 when the issue has no worktree.",
                "tags": ["worktrees"],
                "responses": {
                  "200": {
                    "description": "The worktree.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/WorktreeDetail"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "delete": {
                "operationId": "removeWorktree",
                "summary": "Remove an issue's worktree",
                "description": "409 worktree_has_work (uncommitted or unmerged work, without force) or no_repository.",
                "tags": ["worktrees"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "force",
                    "in": "query",
                    "description": "Remove even when that loses work (true/1/empty or false/0).",
                    "schema": {"type": "boolean", "default": false}
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Removed.",
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/WorktreeRemoval"}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/webhooks": {
              "get": {
                "operationId": "listWebhooks",
                "summary": "List webhook subscriptions",
                "description": "Admin token needed, also to read. Secrets are never listed.",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "Every subscription, oldest first.",
                    "content": {
                      "application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "post": {
                "operationId": "createWebhook",
                "summary": "Subscribe an endpoint",
                "description": "The answer carries the secret, the only time it is shown. 422 for a URL the SSRF guard refuses (loopback, private, link-local, CGNAT, multicast, unspecified addresses need allow_private) or an unknown event pattern.",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CreateWebhookRequest"}}
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created, with its secret.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Webhook"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/webhooks/{webhook}": {
              "parameters": [{"$ref": "#/components/parameters/Webhook"}],
              "get": {
                "operationId": "getWebhook",
                "summary": "Get a subscription",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The subscription (without its secret).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Webhook"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "patch": {
                "operationId": "updateWebhook",
                "summary": "Change a subscription, or enable or disable it",
                "description": "Absent fields stay. Enabling clears the failure record.",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PatchWebhookRequest"}}
                  }
                },
                "responses": {
                  "200": {
                    "description": "The changed subscription.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Webhook"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "delete": {
                "operationId": "deleteWebhook",
                "summary": "Remove a subscription and its delivery log",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "responses": {
                  "204": {"description": "Removed."},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/webhooks/{webhook}/rotate-secret": {
              "parameters": [{"$ref": "#/components/parameters/Webhook"}],
              "post": {
                "operationId": "rotateWebhookSecret",
                "summary": "Replace the secret",
                "description": "The answer carries the new secret; the old one keeps signing alongside it (two signatures) for 24 hours.",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The subscription with its new secret.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Webhook"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/webhooks/{webhook}/test": {
              "parameters": [{"$ref": "#/components/parameters/Webhook"}],
              "post": {
                "operationId": "testWebhook",
                "summary": "Send a webhook.test event to this endpoint only",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "responses": {
                  "202": {
                    "description": "The event was written; the dispatcher sends it.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {"event_id": {"type": "integer", "format": "int64"}},
                          "required": ["event_id"]
                        }
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/webhooks/{webhook}/deliveries": {
              "parameters": [{"$ref": "#/components/parameters/Webhook"}],
              "get": {
                "operationId": "listWebhookDeliveries",
                "summary": "An endpoint's delivery log, newest event first",
                "description": "Finished deliveries are kept at least 7 days.",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The deliveries.",
                    "content": {
                      "application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}}
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/deliveries/{delivery}": {
              "parameters": [{"$ref": "#/components/parameters/Delivery"}],
              "get": {
                "operationId": "getDelivery",
                "summary": "Get one delivery",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The delivery and its latest attempt.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Delivery"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/deliveries/{delivery}/redeliver": {
              "parameters": [{"$ref": "#/components/parameters/Delivery"}],
              "post": {
                "operationId": "redeliver",
                "summary": "Send a delivery again",
                "description": "The delivery becomes pending and due now; it keeps its webhook-id.",
                "tags": ["webhooks"],
                "security": [{"bearer": []}],
                "responses": {
                  "202": {
                    "description": "Queued again.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Delivery"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/reviews": {
              "get": {
                "operationId": "listReviews",
                "summary": "Issues waiting in review, riskiest first",
                "description": "Failed checks first, then size (lines changed), predicted conflicts, age. Each entry has the issue, its latest verification, the latest decision (approval, changes requested, failed merge), approved, failed_checks, size, conflict_risk, age_seconds.",
                "tags": ["review"],
                "parameters": [{"name": "project", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "properties": {"issue": {"$ref": "#/components/schemas/IssueDocument"}, "verification": {"type": ["object", "null"]}, "decision": {"type": ["object", "null"]}, "approved": {"type": "boolean"}, "failed_checks": {"type": "boolean"}, "size": {"type": "integer"}, "conflict_risk": {"type": "integer"}, "age_seconds": {"type": "integer"}}, "required": ["issue", "approved", "failed_checks", "size", "conflict_risk", "age_seconds"]}}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/approve": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "post": {
                "operationId": "approveIssue",
                "summary": "Approve verified work for the merge queue",
                "description": "Admin token. The issue must be in review; the merge queue merges it onto the latest base after the tests pass on the merge.",
                "tags": ["review"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {"type": "object", "properties": {"comment": {"type": "string"}}, "required": []}
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created: the recorded check",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}, "issue": {"type": "string"}, "kind": {"type": "string", "enum": ["verification", "approval", "changes_requested", "merge", "pull_request"]}, "passed": {"type": "boolean"}, "summary": {"type": "string"}, "evidence": {"type": "object", "description": "verification: branch, head, base, base_commit, agent, commits, diff_stat, merge {clean, conflicts}, test {command, exit, timed_out, duration_ms, log, passed}, step, attempt, gave_up; merge: merge_commit, base_before, base, branch, head, test, pushed, step, log."}, "actor": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}, "required": ["id", "issue", "kind", "passed", "summary", "evidence", "actor", "created_at"]}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/request-changes": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "post": {
                "operationId": "requestChanges",
                "summary": "Send work in review back with a comment",
                "description": "Admin token. The issue returns to in_progress (resumed by its agent when the coordinator's pool has it) or to the queue; the comment is added to the issue.",
                "tags": ["review"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"type": "object", "properties": {"comment": {"type": "string"}}, "required": ["comment"]}
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created: the recorded check",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}, "issue": {"type": "string"}, "kind": {"type": "string", "enum": ["verification", "approval", "changes_requested", "merge", "pull_request"]}, "passed": {"type": "boolean"}, "summary": {"type": "string"}, "evidence": {"type": "object", "description": "verification: branch, head, base, base_commit, agent, commits, diff_stat, merge {clean, conflicts}, test {command, exit, timed_out, duration_ms, log, passed}, step, attempt, gave_up; merge: merge_commit, base_before, base, branch, head, test, pushed, step, log."}, "actor": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}, "required": ["id", "issue", "kind", "passed", "summary", "evidence", "actor", "created_at"]}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/checks": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "get": {
                "operationId": "listChecks",
                "summary": "An issue's checks: verifications, review decisions, merges, oldest first",
                "tags": ["review"],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "issue": {"type": "string"}, "kind": {"type": "string", "enum": ["verification", "approval", "changes_requested", "merge", "pull_request"]}, "passed": {"type": "boolean"}, "summary": {"type": "string"}, "evidence": {"type": "object", "description": "verification: branch, head, base, base_commit, agent, commits, diff_stat, merge {clean, conflicts}, test {command, exit, timed_out, duration_ms, log, passed}, step, attempt, gave_up; merge: merge_commit, base_before, base, branch, head, test, pushed, step, log."}, "actor": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}, "required": ["id", "issue", "kind", "passed", "summary", "evidence", "actor", "created_at"]}}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/stats": {
              "get": {
                "operationId": "stats",
                "summary": "The success metrics over a window",
                "description": "closed_per_day, closed, merged, review_first_pass and verification ({total, passed, rate}), agents ({agent, sessions, busy_seconds, utilization}), utilization, conflicts ({conflicts, commits, per_100_commits}), submission_to_merge ({count, mean_seconds, p90_seconds}), usage (tokens and cost, totals and per issue).",
                "tags": ["review"],
                "parameters": [{"name": "since", "in": "query", "description": "A span back from now (7d, 12h, 30m) or an ISO-8601 time; default 30 days.", "schema": {"type": "string"}}, {"name": "project", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                  "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/queue/claim": {
              "post": {
                "operationId": "claimNextIssue",
                "summary": "Claim the best eligible issue for an agent",
                "description": "Leases the first eligible issue in queue order whose capabilities the agent has, creates or reuses its worktree and starts the work. An agent token claims for itself; an admin token names the agent. With 'location' (a worker on another machine, turbocode agent run) no worktree is made on the coordinator: the worker pushes each commit of the returned branch to the coordinator's repository, and issues whose worktree is on the coordinator's machine are skipped.",
                "tags": ["agents"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {"type": "object", "properties": {"agent": {"type": "string", "description": "Admin tokens only: the agent to claim for."}, "capabilities": {"type": "array", "items": {"type": "string"}}, "project": {"type": "string"}, "location": {"type": "string", "description": "Remote workers: where the worktree lives (host:path)."}}, "required": []}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"issue": {"$ref": "#/components/schemas/IssueDocument"}, "epoch": {"type": "integer"}, "worktree": {"type": "string"}, "branch": {"type": "string"}, "base_branch": {"type": "string"}}, "required": ["issue", "epoch", "worktree", "branch", "base_branch"]}}}
                  },
                  "204": {"description": "Nothing eligible fits this agent."},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/heartbeat": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "post": {
                "operationId": "heartbeat",
                "summary": "Keep a lease alive, optionally reporting progress",
                "description": "A stale epoch is 409 stale_lease; an agent token may touch only its own lease (403).",
                "tags": ["agents"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"type": "object", "properties": {"epoch": {"type": "integer", "minimum": 1, "description": "The lease epoch the claim returned; left out, the live lease's when the caller holds it."}, "message": {"type": "string"}, "percent": {"type": "integer", "minimum": 0, "maximum": 100}}, "required": []}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}, "issue": {"type": "string"}, "agent": {"type": "string"}, "epoch": {"type": "integer"}, "heartbeat_at": {"type": "string", "format": "date-time"}, "expires_at": {"type": "string", "format": "date-time"}}, "required": ["issue", "agent", "epoch", "expires_at"]}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/submit": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "post": {
                "operationId": "submitIssue",
                "summary": "Submit the work for verification",
                "description": "Refuses a branch without commits and uncommitted files (409); moves the issue to testing and releases the lease.",
                "tags": ["agents"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"type": "object", "properties": {"epoch": {"type": "integer", "minimum": 1, "description": "The lease epoch the claim returned; left out, the live lease's when the caller holds it."}, "commit_url": {"type": "string"}}, "required": []}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"issue": {"$ref": "#/components/schemas/IssueDocument"}, "head": {"type": "string"}, "commits": {"type": "integer"}}, "required": ["issue", "head", "commits"]}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/release": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "post": {
                "operationId": "releaseIssue",
                "summary": "Give an issue back to the queue",
                "description": "The issue returns to ready, the reason (if any) becomes a comment, the worktree stays.",
                "tags": ["agents"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"type": "object", "properties": {"epoch": {"type": "integer", "minimum": 1, "description": "The lease epoch the claim returned; left out, the live lease's when the caller holds it."}, "reason": {"type": "string"}}, "required": []}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IssueDocument"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/issues/{issue}/blocked": {
              "parameters": [{"$ref": "#/components/parameters/Issue"}],
              "post": {
                "operationId": "reportBlocked",
                "summary": "Report that the work cannot go on",
                "description": "The issue goes to open with the reason as a comment; the lease is released and the worktree kept.",
                "tags": ["agents"],
                "security": [{"bearer": []}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"type": "object", "properties": {"epoch": {"type": "integer", "minimum": 1, "description": "The lease epoch the claim returned; left out, the live lease's when the caller holds it."}, "reason": {"type": "string"}}, "required": ["reason"]}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IssueDocument"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "422": {"$ref": "#/components/responses/UnprocessableContent"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/v1/conflicts": {
              "get": {
                "operationId": "listConflicts",
                "summary": "List predicted merge conflicts",
                "tags": ["conflicts"],
                "parameters": [{"$ref": "#/components/parameters/ProjectFilter"}],
                "responses": {
                  "200": {
                    "description": "The conflicts predicted now.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {"$ref": "#/components/schemas/ConflictDocument"}
                        }
                      }
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "429": {"$ref": "#/components/responses/TooManyRequests"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "Mutating calls need an admin token; reads need a token only beyond loopback."
              }
            },
            "schemas": {
              "IssueStatus": {
                "type": "string",
                "description": "The life cycle, in order; see the README for the allowed moves.",
                "enum": ["open", "ready", "assigned", "in_progress", "testing", "review", "closed"]
              },
              "IssueType": {
                "type": "string",
                "enum": ["feature", "bug", "task", "enhancement", "documentation", "discovery"]
              },
              "IssuePriority": {"type": "string", "enum": ["critical", "high", "medium", "low"]},
              "ClosedReason": {
                "type": "string",
                "description": "Why an issue was closed; only done and merged release the issues it blocks.",
                "enum": ["done", "merged", "duplicate", "wont_fix", "obsolete"]
              },
              "WorkOutcome": {
                "type": "string",
                "description": "How a work session ended.",
                "enum": ["submitted", "released", "expired", "failed", "merged", "cancelled"]
              },
              "EventType": {
                "type": "string",
                "description": "The event types written today; readers should ignore types they do not know.",
                "enum": [
                  "project.created", "issue.created", "issue.updated", "issue.ready", "issue.assigned", "issue.started",
                  "issue.testing", "issue.review", "issue.closed", "issue.reopened", "issue.deleted",
                  "dependency.added", "dependency.removed", "comment.added", "worklog.started", "worklog.ended",
                  "worktree.created", "worktree.removed", "conflict.detected", "conflict.resolved", "token.created",
                  "token.revoked", "lease.acquired", "lease.released", "issue.progress", "issue.blocked", "webhook.test",
                  "webhook.disabled", "alert.raised", "verification.passed",
                  "verification.failed", "review.approved", "review.changes_requested", "merge.succeeded", "merge.failed",
                  "pull_request.opened", "agent.permission_denied", "driver.paused", "driver.resumed"
                ]
              },
              "IssueKey": {
                "type": "string",
                "pattern": "^[A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,8}$",
                "examples": ["SHOP-12"],
                "description": "An issue key, <PROJECT>-<n>."
              },
              "ProjectKey": {
                "type": "string",
                "pattern": "^[A-Z][A-Z0-9]{1,9}$",
                "examples": ["SHOP"],
                "description": "A project key: 2 to 10 characters A-Z and 0-9, a letter first."
              },
              "Actor": {
                "type": "string",
                "description": "user:<name> or ai:<agent>; a bare name is taken as user:<name>.",
                "maxLength": 100,
                "examples": ["user:alice", "ai:backend-1"]
              },
              "Error": {
                "type": "object",
                "description": "Every failure: a code and a message.",
                "properties": {
                  "error": {
                    "type": "object",
                    "properties": {
                      "code": {
                        "type": "string",
                        "description": "Stable, machine-readable; the message is for people.",
                        "examples": [
                          "malformed_request", "malformed_body", "malformed_reference", "unauthorized", "forbidden",
                          "not_found", "duplicate", "dependency_cycle", "invalid_transition", "conflict",
                          "worktree_has_work", "no_repository", "body_too_large", "invalid", "rate_limited",
                          "upgrade_required", "storage", "internal"
                        ]
                      },
                      "message": {"type": "string", "description": "One line for people."}
                    },
                    "required": ["code", "message"]
                  }
                },
                "required": ["error"]
              },
              "ProjectDocument": {
                "type": "object",
                "description": "A project. Absent values are null, never missing.",
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "key": {"$ref": "#/components/schemas/ProjectKey"},
                  "name": {"type": "string"},
                  "repository_path": {
                    "type": ["string", "null"],
                    "description": "Absolute path of the main checkout, when known."
                  },
                  "base_branch": {"type": "string", "examples": ["main"]},
                  "created_at": {"type": "string", "format": "date-time"},
                  "updated_at": {"type": "string", "format": "date-time"},
                  "issue_counts": {
                    "type": "object",
                    "description": "Issue count by status; only where a view includes it.",
                    "propertyNames": {"$ref": "#/components/schemas/IssueStatus"},
                    "additionalProperties": {"type": "integer", "minimum": 0}
                  }
                },
                "required": ["id", "key", "name", "repository_path", "base_branch", "created_at", "updated_at"]
              },
              "IssueDocument": {
                "type": "object",
                "description": "An issue. Absent values are null, never missing.",
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "key": {"$ref": "#/components/schemas/IssueKey"},
                  "number": {"type": "integer", "minimum": 1, "description": "The n of KEY-n."},
                  "project": {"$ref": "#/components/schemas/ProjectKey"},
                  "title": {"type": "string", "minLength": 1, "maxLength": 200},
                  "description": {"type": "string"},
                  "type": {"$ref": "#/components/schemas/IssueType"},
                  "status": {"$ref": "#/components/schemas/IssueStatus"},
                  "priority": {"$ref": "#/components/schemas/IssuePriority"},
                  "capabilities": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Labels an agent needs; empty means any agent."
                  },
                  "paths": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Globs of the files the issue will touch."
                  },
                  "blocked_by": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/IssueKey"},
                    "description": "Keys of the issues that block this one."
                  },
                  "blocks": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/IssueKey"},
                    "description": "Keys of the issues this one blocks."
                  },
                  "assigned_to": {"type": ["string", "null"], "description": "The agent working on it."},
                  "work_rank": {"type": ["integer", "null"], "minimum": 1, "description": "Manual rank, 1 first."},
                  "created_by": {"type": ["string", "null"], "description": "user:<name> or ai:<agent>."},
                  "closed_reason": {
                    "anyOf": [{"$ref": "#/components/schemas/ClosedReason"}, {"type": "null"}]
                  },
                  "created_at": {"type": "string", "format": "date-time"},
                  "updated_at": {"type": "string", "format": "date-time"},
                  "closed_at": {"type": ["string", "null"], "format": "date-time"},
                  "comments": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/CommentDocument"},
                    "description": "Only where a view includes them."
                  }
                },
                "required": [
                  "id", "key", "number", "project", "title", "description", "type", "status", "priority",
                  "capabilities", "paths", "blocked_by", "blocks", "assigned_to", "work_rank", "created_by",
                  "closed_reason", "created_at", "updated_at", "closed_at"
                ]
              },
              "IssuePage": {
                "type": "object",
                "description": "A page of issues, ordered by project key and number.",
                "properties": {
                  "items": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/IssueDocument"}
                  },
                  "total": {"type": "integer", "minimum": 0, "description": "All matching issues, ignoring the page."},
                  "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
                  "offset": {"type": "integer", "minimum": 0}
                },
                "required": ["items", "total", "limit", "offset"]
              },
              "QueueEntryDocument": {
                "type": "object",
                "description": "A ready issue in the work queue: eligible ones first, in order.",
                "properties": {
                  "key": {"$ref": "#/components/schemas/IssueKey"},
                  "id": {"type": "string", "format": "uuid"},
                  "title": {"type": "string"},
                  "priority": {"$ref": "#/components/schemas/IssuePriority"},
                  "score": {"type": "number", "description": "The sum of score_parts, two decimals."},
                  "score_parts": {
                    "type": "object",
                    "properties": {
                      "priority": {"type": "number"},
                      "no_blockers": {"type": "number"},
                      "age": {"type": "number"},
                      "blocks": {"type": "number"}
                    },
                    "required": ["priority", "no_blockers", "age", "blocks"]
                  },
                  "eligible": {"type": "boolean"},
                  "reason": {
                    "type": ["string", "null"],
                    "description": "Why an ineligible issue waits; null when eligible."
                  },
                  "position": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "description": "1-based among eligible issues."
                  },
                  "work_rank": {"type": ["integer", "null"], "minimum": 1},
                  "blocked_by": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/IssueKey"},
                    "description": "Open blockers that keep it waiting."
                  },
                  "overlaps_with": {
                    "anyOf": [{"$ref": "#/components/schemas/IssueKey"}, {"type": "null"}]
                  }
                },
                "required": [
                  "key", "id", "title", "priority", "score", "score_parts", "eligible", "reason", "position",
                  "work_rank", "blocked_by", "overlaps_with"
                ]
              },
              "CommentDocument": {
                "type": "object",
                "description": "A comment on an issue.",
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "issue": {"$ref": "#/components/schemas/IssueKey"},
                  "author": {"$ref": "#/components/schemas/Actor"},
                  "body": {"type": "string"},
                  "created_at": {"type": "string", "format": "date-time"}
                },
                "required": ["id", "issue", "author", "body", "created_at"]
              },
              "DependencyDocument": {
                "type": "object",
                "description": "An issue's dependency neighbourhood.",
                "properties": {
                  "issue": {"$ref": "#/components/schemas/IssueKey"},
                  "blockers": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/IssueDocument"},
                    "description": "Issues that directly block this one."
                  },
                  "blocked": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/IssueDocument"},
                    "description": "Issues this one directly blocks."
                  },
                  "chain": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/IssueDocument"},
                    "description": "Every transitive blocker, blockers first, then the issue itself."
                  }
                },
                "required": ["issue", "blockers", "blocked", "chain"]
              },
              "DependencyEdgeDocument": {
                "type": "object",
                "description": "A blocker -> blocked edge.",
                "properties": {
                  "blocker": {"$ref": "#/components/schemas/IssueKey"},
                  "blocked": {"$ref": "#/components/schemas/IssueKey"},
                  "removed": {"type": "boolean", "const": true, "description": "Present only when just removed."}
                },
                "required": ["blocker", "blocked"]
              },
              "WorkLogDocument": {
                "type": "object",
                "description": "One session of work on an issue.",
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "issue": {"$ref": "#/components/schemas/IssueKey"},
                  "started_by": {"$ref": "#/components/schemas/Actor"},
                  "started_at": {"type": "string", "format": "date-time"},
                  "ended_at": {"type": ["string", "null"], "format": "date-time"},
                  "worktree_path": {"type": ["string", "null"]},
                  "branch_name": {"type": ["string", "null"]},
                  "commit": {"type": ["string", "null"]},
                  "commit_url": {"type": ["string", "null"]},
                  "outcome": {
                    "anyOf": [{"$ref": "#/components/schemas/WorkOutcome"}, {"type": "null"}]
                  },
                  "input_tokens": {"type": ["integer", "null"], "minimum": 0},
                  "output_tokens": {"type": ["integer", "null"], "minimum": 0},
                  "cost_usd": {"type": ["number", "null"], "minimum": 0},
                  "is_active": {"type": "boolean", "description": "Whether the session is still running."}
                },
                "required": [
                  "id", "issue", "started_by", "started_at", "ended_at", "worktree_path", "branch_name", "commit",
                  "commit_url", "outcome", "input_tokens", "output_tokens", "cost_usd", "is_active"
                ]
              },
              "EventDocument": {
                "type": "object",
                "description": "A row of the event log.",
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "description": "Monotonic."
                  },
                  "type": {
                    "type": "string",
                    "description": "One of EventType; unknown types may appear later.",
                    "examples": ["issue.created"]
                  },
                  "subject": {
                    "type": "string",
                    "description": "The issue key, project key or agent the event is about."
                  },
                  "payload": {"description": "Any JSON; its shape depends on the type."},
                  "created_at": {"type": "string", "format": "date-time"}
                },
                "required": ["id", "type", "subject", "payload", "created_at"]
              },
              "WorktreeDocument": {
                "type": "object",
                "description": "An issue's git worktree record.",
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "issue": {"$ref": "#/components/schemas/IssueKey"},
                  "path": {"type": "string"},
                  "branch": {"type": "string", "examples": ["SHOP-12/payment-api"]},
                  "base_commit": {"type": "string"},
                  "created_at": {"type": "string", "format": "date-time"},
                  "removed_at": {"type": ["string", "null"], "format": "date-time"}
                },
                "required": ["id", "issue", "path", "branch", "base_commit", "created_at", "removed_at"]
              },
              "WorktreeStatus": {
                "type": "object",
                "description": "A worktree's state as git sees it.",
                "properties": {
                  "path": {"type": "string"},
                  "branch": {"type": "string"},
                  "head": {"type": "string", "description": "The commit the branch points to."},
                  "base_commit": {"type": "string"},
                  "ahead": {"type": "integer", "minimum": 0, "description": "Commits the base does not have."},
                  "behind": {"type": "integer", "minimum": 0, "description": "Base commits the branch does not have."},
                  "uncommitted": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Porcelain status lines such as ' M src/a.swift'."
                  },
                  "last_commit_at": {"type": ["string", "null"], "format": "date-time"},
                  "oldest_uncommitted_change_at": {"type": ["string", "null"], "format": "date-time"}
                },
                "required": [
                  "path", "branch", "head", "base_commit", "ahead", "behind", "uncommitted", "last_commit_at",
                  "oldest_uncommitted_change_at"
                ]
              },
              "WorktreeDetail": {
                "description": "A worktree record and its git status (null without a repository or a git worktree).",
                "allOf": [
                  {"$ref": "#/components/schemas/WorktreeDocument"},
                  {
                    "type": "object",
                    "properties": {
                      "status": {
                        "anyOf": [{"$ref": "#/components/schemas/WorktreeStatus"}, {"type": "null"}]
                      }
                    },
                    "required": ["status"]
                  }
                ]
              },
              "Webhook": {
                "type": "object",
                "description": "A webhook subscription. secret appears only when it is created or rotated.",
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "url": {"type": "string"},
                  "events": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Event types or patterns (issue.*, *); empty means every event."
                  },
                  "description": {"type": ["string", "null"]},
                  "secret": {"type": "string", "pattern": "^whsec_", "description": "Shown once."},
                  "allow_private": {"type": "boolean"},
                  "enabled": {"type": "boolean"},
                  "disabled_reason": {"type": ["string", "null"]},
                  "failing_since": {"type": ["string", "null"], "format": "date-time"},
                  "previous_secret_expires_at": {"type": ["string", "null"], "format": "date-time"},
                  "created_at": {"type": "string", "format": "date-time"},
                  "updated_at": {"type": "string", "format": "date-time"}
                },
                "required": ["id", "url", "events", "allow_private", "enabled", "created_at", "updated_at"]
              },
              "Delivery": {
                "type": "object",
                "description": "One event on its way to one endpoint, with its latest attempt.",
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "webhook_id": {"type": "string", "format": "uuid"},
                  "webhook_message_id": {
                    "type": "string",
                    "description": "The webhook-id header: msg_<id>, the same on every retry and redelivery."
                  },
                  "event_id": {"type": "integer", "format": "int64"},
                  "event_type": {"$ref": "#/components/schemas/EventType"},
                  "status": {"type": "string", "enum": ["pending", "succeeded", "failed"]},
                  "attempts": {"type": "integer", "minimum": 0},
                  "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
                  "last_attempt_at": {"type": ["string", "null"], "format": "date-time"},
                  "response_status": {"type": ["integer", "null"]},
                  "response_body": {"type": ["string", "null"], "description": "The first 1,000 bytes."},
                  "error": {"type": ["string", "null"]},
                  "created_at": {"type": "string", "format": "date-time"},
                  "delivered_at": {"type": ["string", "null"], "format": "date-time"}
                },
                "required": ["id", "webhook_id", "webhook_message_id", "event_id", "event_type", "status", "attempts"]
              },
              "CreateWebhookRequest": {
                "type": "object",
                "properties": {
                  "url": {"type": "string", "description": "http or https."},
                  "events": {"type": "array", "items": {"type": "string"}, "description": "Default: every event."},
                  "description": {"type": "string"},
                  "allow_private": {
                    "type": "boolean",
                    "default": false,
                    "description": "Allow loopback and private addresses (a local receiver)."
                  }
                },
                "required": ["url"]
              },
              "PatchWebhookRequest": {
                "type": "object",
                "properties": {
                  "url": {"type": "string"},
                  "events": {"type": "array", "items": {"type": "string"}, "description": "[] means every event."},
                  "description": {"type": "string", "description": "An empty string clears it."},
                  "enabled": {"type": "boolean"}
                }
              },
              "WorktreeRemoval": {
                "type": "object",
                "description": "The outcome of removing a worktree.",
                "properties": {
                  "removed": {"type": "boolean", "const": true},
                  "branch_deleted": {"type": "boolean", "description": "Deleted only when the base contains it."}
                },
                "required": ["removed", "branch_deleted"]
              },
              "ConflictDocument": {
                "type": "object",
                "description": "A predicted merge conflict; other is null for the base branch.",
                "properties": {
                  "issue": {"$ref": "#/components/schemas/IssueKey"},
                  "other": {
                    "anyOf": [{"$ref": "#/components/schemas/IssueKey"}, {"type": "null"}]
                  },
                  "commits": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The issue's head, then the other side's."
                  },
                  "paths": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The conflicting paths."
                  },
                  "detected_at": {"type": "string", "format": "date-time"}
                },
                "required": ["issue", "other", "commits", "paths", "detected_at"]
              },
              "CreateProjectRequest": {
                "type": "object",
                "properties": {
                  "key": {
                    "type": "string",
                    "description": "2 to 10 letters and digits, a letter first; upper-cased.",
                    "examples": ["SHOP"]
                  },
                  "name": {"type": ["string", "null"], "description": "Defaults to the key."},
                  "repository_path": {"type": ["string", "null"]},
                  "base_branch": {"type": ["string", "null"], "default": "main"}
                },
                "required": ["key"]
              },
              "CreateIssueRequest": {
                "type": "object",
                "properties": {
                  "project": {
                    "type": ["string", "null"],
                    "description": "Key or id; may be left out when only one project exists."
                  },
                  "title": {"type": "string", "minLength": 1, "maxLength": 200},
                  "description": {"type": ["string", "null"], "default": ""},
                  "type": {
                    "anyOf": [{"$ref": "#/components/schemas/IssueType"}, {"type": "null"}],
                    "default": "task"
                  },
                  "priority": {
                    "anyOf": [{"$ref": "#/components/schemas/IssuePriority"}, {"type": "null"}],
                    "default": "medium"
                  },
                  "status": {
                    "type": ["string", "null"],
                    "description": "A new issue starts as open or ready.",
                    "enum": ["open", "ready", null],
                    "default": "open"
                  },
                  "capabilities": {
                    "type": ["array", "null"],
                    "items": {"type": "string", "maxLength": 50}
                  },
                  "paths": {
                    "type": ["array", "null"],
                    "items": {"type": "string"},
                    "description": "Relative globs."
                  },
                  "blocked_by": {
                    "type": ["array", "null"],
                    "items": {"type": "string"},
                    "description": "Keys or ids of the issues that block the new one."
                  },
                  "work_rank": {"type": ["integer", "null"], "minimum": 1},
                  "created_by": {
                    "anyOf": [{"$ref": "#/components/schemas/Actor"}, {"type": "null"}]
                  }
                },
                "required": ["title"]
              },
              "PatchIssueRequest": {
                "type": "object",
                "description": "Absent fields stay; null also leaves a field as is, except work_rank and assigned_to.",
                "properties": {
                  "title": {"type": ["string", "null"], "minLength": 1, "maxLength": 200},
                  "description": {"type": ["string", "null"]},
                  "type": {
                    "anyOf": [{"$ref": "#/components/schemas/IssueType"}, {"type": "null"}]
                  },
                  "priority": {
                    "anyOf": [{"$ref": "#/components/schemas/IssuePriority"}, {"type": "null"}]
                  },
                  "capabilities": {
                    "type": ["array", "null"],
                    "items": {"type": "string", "maxLength": 50}
                  },
                  "paths": {
                    "type": ["array", "null"],
                    "items": {"type": "string"}
                  },
                  "work_rank": {"type": ["integer", "null"], "minimum": 1, "description": "null clears the rank."},
                  "assigned_to": {"type": ["string", "null"], "description": "null clears the assignee."}
                }
              },
              "CloseRequest": {
                "type": "object",
                "description": "Optional; without a body or a reason the issue closes as done.",
                "properties": {
                  "reason": {
                    "anyOf": [{"$ref": "#/components/schemas/ClosedReason"}, {"type": "null"}],
                    "default": "done"
                  }
                }
              },
              "CommentRequest": {
                "type": "object",
                "description": "body (or content) is required; author_name is accepted for author.",
                "properties": {
                  "body": {"type": "string", "minLength": 1},
                  "content": {"type": "string", "minLength": 1, "description": "Alias of body."},
                  "author": {
                    "anyOf": [{"$ref": "#/components/schemas/Actor"}, {"type": "null"}]
                  },
                  "author_name": {
                    "anyOf": [{"$ref": "#/components/schemas/Actor"}, {"type": "null"}]
                  }
                },
                "anyOf": [
                  {"required": ["body"]},
                  {"required": ["content"]}
                ]
              },
              "DependencyRequest": {
                "type": "object",
                "properties": {
                  "blocker": {"type": "string", "description": "Key or id of the issue that blocks this one."}
                },
                "required": ["blocker"]
              }
            },
            "parameters": {
              "Issue": {
                "name": "issue",
                "in": "path",
                "required": true,
                "description": "An issue key (any case) or id.",
                "schema": {"type": "string", "examples": ["SHOP-12"]}
              },
              "Project": {
                "name": "project",
                "in": "path",
                "required": true,
                "description": "A project key (any case) or id.",
                "schema": {"type": "string", "examples": ["SHOP"]}
              },
              "Webhook": {
                "name": "webhook",
                "in": "path",
                "required": true,
                "description": "A webhook id, or 6 or more of its leading characters.",
                "schema": {"type": "string"}
              },
              "Delivery": {
                "name": "delivery",
                "in": "path",
                "required": true,
                "description": "A delivery id, or the webhook-id a receiver saw (msg_<id>).",
                "schema": {"type": "string"}
              },
              "ProjectFilter": {
                "name": "project",
                "in": "query",
                "description": "Only this project (key or id).",
                "schema": {"type": "string"}
              },
              "Limit": {
                "name": "limit",
                "in": "query",
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 1000,
                  "default": 100
                }
              },
              "Offset": {
                "name": "offset",
                "in": "query",
                "schema": {"type": "integer", "minimum": 0, "default": 0}
              },
              "After": {
                "name": "after",
                "in": "query",
                "description": "Only events with a greater id.",
                "schema": {
                  "type": "integer",
                  "format": "int64",
                  "minimum": 0,
                  "default": 0
                }
              }
            },
            "headers": {
              "RetryAfter": {
                "description": "Whole seconds to wait.",
                "schema": {"type": "integer", "minimum": 1}
              },
              "Location": {
                "description": "The URL of the created resource.",
                "schema": {"type": "string"}
              }
            },
            "responses": {
              "BadRequest": {
                "description": "Malformed: a body that is not the expected JSON, a bad key or id, a bad query value.",
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}
                  }
                }
              },
              "Unauthorized": {
                "description": "Missing token where one is needed, or an unknown or revoked token.",
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}
                  }
                }
              },
              "Forbidden": {
                "description": "The token is not an admin token.",
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}
                  }
                }
              },
              "NotFound": {
                "description": "No such project, issue, dependency, worktree or route.",
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}
                  }
                }
              },
              "Conflict": {
                "description": "Conflicting state: invalid transition, duplicate, dependency cycle, work to lose.",
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}
                  }
                }
              },
              "ContentTooLarge": {
                "description": "The body is over 1 MiB.",
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}
                  }
                }
              },
              "UnprocessableContent": {
                "description": "Well-formed but invalid value.",
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}
                  }
                }
              },
              "TooManyRequests": {
                "description": "Over the caller's request budget (rate_limited); retry after Retry-After seconds.",
                "headers": {
                  "Retry-After": {"$ref": "#/components/headers/RetryAfter"}
                },
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}
                  }
                }
              },
              "InternalError": {
                "description": "Storage or unexpected failure.",
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}
                  }
                }
              }
            }
          }
        }
        """#
}
