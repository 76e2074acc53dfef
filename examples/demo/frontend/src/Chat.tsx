// Chat beside the list over the WebSocket: the `chat` channel with params {list_id}.
import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { ChannelSubscription } from "mizan-client";

import { chatChannel, type ChatClientMessage, type ChatServerMessage } from "./api";
import { failureOf, type Report } from "./Board";
import { useClient } from "./client";

export function Chat({ listId, report }: { listId: number; report: Report }) {
  const client = useClient();
  const [messages, setMessages] = useState<ChatServerMessage[]>([]);
  const [text, setText] = useState("");
  const subscription = useRef<ChannelSubscription<ChatClientMessage> | null>(null);

  useEffect(() => {
    if (!client) return undefined;
    let left = false;
    chatChannel(client, { list_id: listId }, (message) => setMessages((shown) => [...shown, message]))
      .then((sub) => {
        if (left) void sub.unsubscribe();
        else subscription.current = sub;
      })
      .catch((error: unknown) => report(failureOf(error)));
    return () => {
      left = true;
      void subscription.current?.unsubscribe();
      subscription.current = null;
    };
  }, [client, listId, report]);

  async function send(event: FormEvent) {
    event.preventDefault();
    const message = text.trim();
    if (!message) return;
    if (!subscription.current) {
      report({ code: "SOCKET_CLOSED", message: "The chat is not connected yet." });
      return;
    }
    try {
      await subscription.current.send({ text: message });
      setText("");
      report(null);
    } catch (error) {
      report(failureOf(error));
    }
  }

  return (
    <section className="chat">
      <h2>Chat</h2>
      <ol>
        {messages.map((message, index) => (
          <li key={index} data-testid="chat-message">
            {`${message.user}: ${message.text}`}
          </li>
        ))}
      </ol>
      <form onSubmit={(event) => void send(event)}>
        <input
          data-testid="chat-input"
          value={text}
          placeholder="Say something"
          maxLength={500}
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit" data-testid="chat-send">
          Send
        </button>
      </form>
    </section>
  );
}
